# embed.cmake - compile the console's assets and page templates into the library (run by the
# build: cmake -DSRC=<source dir> -DOUT=<file.c> -P web/embed.cmake). No Node.js at run time:
# htmx and uPlot come from web/node_modules (npm ci by scripts/deps.sh, versions pinned in
# web/package.json and web/package-lock.json), the console's own CSS and JS from web/static/, the
# Mustache templates from web/templates/. Each asset is embedded as is and gzip-compressed (gzip -9
# -n, so the build is reproducible), with a strong ETag from its SHA-256 (docs/console.md).
set(assets
  "htmx.min.js|web/node_modules/htmx.org/dist/htmx.min.js"
  "uPlot.min.js|web/node_modules/uplot/dist/uPlot.iife.min.js"
  "uPlot.min.css|web/node_modules/uplot/dist/uPlot.min.css"
  "console.css|web/static/console.css"
  "console.js|web/static/console.js")
file(GLOB templates RELATIVE "${SRC}/web/templates" "${SRC}/web/templates/*.mustache")
list(SORT templates)

# "0x..,0x..," of a file's bytes plus a final 0x00 (so templates are also C strings).
function(hex_of path outvar)
  file(READ "${path}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n    " hex "${hex}")
  set(${outvar} "${hex}0x00" PARENT_SCOPE)
endfunction()

get_filename_component(outdir "${OUT}" DIRECTORY)
set(text "/* GENERATED at build time by web/embed.cmake from web/; do not edit. */\n#include \"http/console.h\"\n\n")
set(table "const og_http_asset og_http__console_assets[] = {\n")
set(i 0)
foreach(a ${assets})
  string(REPLACE "|" ";" parts "${a}")
  list(GET parts 0 name)
  list(GET parts 1 rel)
  if(name MATCHES "\\.css$")
    set(type "text/css; charset=utf-8")
  else()
    set(type "text/javascript; charset=utf-8")
  endif()
  set(path "${SRC}/${rel}")
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "console asset ${rel} is missing: run scripts/deps.sh build (npm ci in web/)")
  endif()
  execute_process(COMMAND gzip -9 -n -c "${path}" OUTPUT_FILE "${outdir}/asset${i}.gz"
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip ${rel} failed")
  endif()
  file(SIZE "${path}" len)
  file(SIZE "${outdir}/asset${i}.gz" gzlen)
  file(SHA256 "${path}" sum)
  string(SUBSTRING "${sum}" 0 16 short)
  hex_of("${path}" hex)
  hex_of("${outdir}/asset${i}.gz" gzhex)
  string(APPEND text "static const unsigned char asset${i}[] = {\n    ${hex}};\n")
  string(APPEND text "static const unsigned char asset${i}_gz[] = {\n    ${gzhex}};\n")
  string(APPEND table "    {\"${name}\", \"${type}\", asset${i}, ${len}, asset${i}_gz, ${gzlen}, \"${short}\"},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND table "};\nconst size_t og_http__console_nassets = ${i};\n\n")
string(APPEND table "const og_http_asset og_http__console_templates[] = {\n")
set(j 0)
foreach(t ${templates})
  string(REGEX REPLACE "\\.mustache$" "" name "${t}")
  file(SIZE "${SRC}/web/templates/${t}" len)
  hex_of("${SRC}/web/templates/${t}" hex)
  string(APPEND text "static const unsigned char tmpl${j}[] = {\n    ${hex}};\n")
  string(APPEND table "    {\"${name}\", \"text/html; charset=utf-8\", tmpl${j}, ${len}, NULL, 0, \"\"},\n")
  math(EXPR j "${j} + 1")
endforeach()
string(APPEND table "};\nconst size_t og_http__console_ntemplates = ${j};\n")
file(WRITE "${OUT}.tmp" "${text}\n${table}")
file(RENAME "${OUT}.tmp" "${OUT}")
