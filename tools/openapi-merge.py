#!/usr/bin/env python3
"""openapi-merge.py - join the OpenAPI source (api/) into the one document the server serves.

Usage: tools/openapi-merge.py API_DIR OUT.json [OUT.c]

API_DIR/openapi.yaml is the root document; every API_DIR/paths/*.yaml is a mapping
"/api/v1/...": <Path Item Object> added under `paths`, and every API_DIR/components/*.yaml a
mapping `schemas: {...}` (and optionally `responses`, `parameters`) added under `components`
(docs/api.md "The OpenAPI document"). Files are read in name order, so the output is the same on
every machine. The merge fails (exit 1, naming both files) on a path or component defined twice,
on a file that is not a mapping, and on a path key that does not start with "/".

OUT.json is the document as compact UTF-8 JSON, keys in the order written; OUT.c, when given,
is a C file defining og_http__openapi_json[] (the document's bytes plus a final NUL) and
og_http__openapi_json_len, which the server embeds (src/http/openapi.c).
"""
import json
import os
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - deps.sh installs python3-yaml
    sys.exit("openapi-merge.py: PyYAML is missing (Debian python3-yaml; scripts/deps.sh build)")


class MergeError(Exception):
    pass


class UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key given twice in one mapping (YAML says it is an error;
    PyYAML would silently keep the last one)."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise MergeError(f"line {key_node.start_mark.line + 1}: key {key!r} given twice")
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.load(f, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except (OSError, yaml.YAMLError, MergeError) as e:
        raise MergeError(f"{path}: {e}") from e
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise MergeError(f"{path}: the file must be a YAML mapping")
    return data


def yaml_files(folder):
    if not os.path.isdir(folder):
        return []
    return sorted(
        os.path.join(folder, n) for n in os.listdir(folder) if n.endswith((".yaml", ".yml"))
    )


def merge(api_dir):
    root_file = os.path.join(api_dir, "openapi.yaml")
    doc = load(root_file)
    paths = doc.get("paths") or {}
    doc["paths"] = paths
    origin = {p: root_file for p in paths}
    for f in yaml_files(os.path.join(api_dir, "paths")):
        for p, item in load(f).items():
            if not isinstance(p, str) or not p.startswith("/"):
                raise MergeError(f"{f}: {p!r} is not a path (it must start with '/')")
            if not isinstance(item, dict):
                raise MergeError(f"{f}: {p}: a Path Item must be a mapping")
            if p in paths:
                raise MergeError(f"path {p} is defined twice: in {origin[p]} and in {f}")
            paths[p] = item
            origin[p] = f
    comps = doc.setdefault("components", {})
    corigin = {}
    for section, entries in comps.items():
        for name in entries or {}:
            corigin[(section, name)] = root_file
    for f in yaml_files(os.path.join(api_dir, "components")):
        for section, entries in load(f).items():
            if section not in ("schemas", "responses", "parameters", "examples", "headers"):
                raise MergeError(f"{f}: unknown components section {section!r}")
            if not isinstance(entries, dict):
                raise MergeError(f"{f}: {section} must be a mapping")
            target = comps.setdefault(section, {})
            for name, value in entries.items():
                key = (section, name)
                if key in corigin:
                    raise MergeError(
                        f"components.{section}.{name} is defined twice: in {corigin[key]} and in {f}"
                    )
                target[name] = value
                corigin[key] = f
    return doc


def refs_in(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                out.add(v)
            else:
                refs_in(v, out)
    elif isinstance(node, list):
        for v in node:
            refs_in(v, out)
    return out


def check_nulls(node, where="#"):
    """A key without a value is almost always an unquoted comma in a flow mapping
    ({description: a, b} makes a key "b"): refuse it, naming where."""
    if isinstance(node, dict):
        for k, v in node.items():
            here = f"{where}/" + str(k).replace("~", "~0").replace("/", "~1")
            if v is None:
                raise MergeError(f"{here} has no value (quote a text with a comma in it)")
            check_nulls(v, here)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            check_nulls(v, f"{where}/{i}")


def check_refs(doc):
    check_nulls(doc)
    refs = refs_in(doc, set())
    for ref in sorted(refs):
        if not ref.startswith("#/"):
            continue
        node = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise MergeError(f"$ref {ref} points at nothing")
            node = node[part]
    comps = doc.get("components", {})
    for section in ("schemas", "parameters"):
        for name in comps.get(section) or {}:
            if f"#/components/{section}/{name}" not in refs:
                raise MergeError(f"components.{section}.{name} is never used (remove it)")


def write_c(text, out):
    data = text.encode("utf-8") + b"\0"
    lines = [
        "/* GENERATED at build time by tools/openapi-merge.py from api/; do not edit. */",
        "#include <stddef.h>",
        "",
        "const unsigned char og_http__openapi_json[] = {",
    ]
    for i in range(0, len(data), 16):
        lines.append("    " + ",".join(f"{b}" for b in data[i : i + 16]) + ",")
    lines.append("};")
    lines.append(f"const size_t og_http__openapi_json_len = {len(data) - 1};")
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, out)


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        doc = merge(argv[1])
        check_refs(doc)
    except MergeError as e:
        print(f"openapi-merge.py: {e}", file=sys.stderr)
        return 1
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    tmp = argv[2] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    os.replace(tmp, argv[2])
    if len(argv) == 4:
        write_c(text + "\n", argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
