# embed_sample.cmake - compile the sample project data into the library (run by the build:
# cmake -DSRC=<source dir> -DOUT=<file.c> -P embed_sample.cmake). `template put` and
# `template check` check templates against it (og_docgen_sample). The JSON files in
# tests/data/projects/ are the one source of truth; the build regenerates OUT when they change.
set(files northwind-m365 northwind-m365-co1)
set(ids sample_project sample_change_order)
set(text "/* GENERATED at build time by src/docgen/builtin/embed_sample.cmake from\n * the JSON files in tests/data/projects; do not edit. */\n#include \"opsgate/docgen.h\"\n\n")
foreach(i RANGE 1)
  list(GET files ${i} f)
  list(GET ids ${i} id)
  file(READ "${SRC}/tests/data/projects/${f}.json" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
  string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n    " hex "${hex}")
  string(APPEND text "const char og_docgen__${id}[] = {\n    ${hex}0x00};\n")
endforeach()
file(WRITE "${OUT}.tmp" "${text}")
file(RENAME "${OUT}.tmp" "${OUT}")
