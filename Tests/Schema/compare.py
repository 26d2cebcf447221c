#!/usr/bin/env python3
"""The host's JSON Schema checker against independent judges.

    compare.py suite SUITE_DIR HOST_CMD...        the official JSON-Schema-Test-Suite (draft2020-12)
    compare.py differential [--cases N] [--seed S] HOST_CMD...
                                                 generated schemas and instances, every verdict
                                                 compared with Python's jsonschema Draft202012Validator

HOST_CMD is `toolhost-fuzz --schema-verdicts` (Tests/Fuzz/SchemaVerdicts.swift): it reads
{"schema", "instances"} lines and answers each with the host's verdicts. scripts/test-schema runs
both with the pinned jsonschema of scripts/pyenv (venv "schema").

The reference reads numbers exactly (decimal.Decimal, with "integer" meaning a whole Decimal too),
as the host does: Python's float arithmetic would otherwise call 0.3 no multiple of 0.1. The
draft-07 forms the host accepts (items as an array with additionalItems, dependencies) are
rewritten into their 2020-12 equivalents for the reference, whose Draft202012Validator ignores
them. Everything else is passed unchanged. The seed is fixed by default and printed; --seed random
draws one.
"""
import argparse
import decimal
import json
import os
import random
import subprocess
import sys
from decimal import Decimal

import jsonschema
import jsonschema.validators

decimal.getcontext().prec = 2000
decimal.getcontext().Emax = 10**6
decimal.getcontext().Emin = -(10**6)


def _is_integer(checker, instance):
    if isinstance(instance, bool):
        return False
    if isinstance(instance, int):
        return True
    return isinstance(instance, Decimal) and instance.is_finite() and instance == instance.to_integral_value()


Reference = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


def dump(value):
    """JSON text with Decimals written as they are (json.dumps cannot)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ",".join(dump(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k) + ":" + dump(v) for k, v in value.items()) + "}"
    raise TypeError(type(value))


def load(text):
    return json.loads(text, parse_float=Decimal)


def host_verdicts(host_cmd, cases):
    """cases: [(schema_text, [instance_text, ...])] -> [answer dict] from the host, in order."""
    lines = "".join('{"schema":%s,"instances":[%s]}\n' % (s, ",".join(i)) for s, i in cases)
    done = subprocess.run(host_cmd, input=lines, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        sys.exit(f"host failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(answers) != len(cases):
        sys.exit(f"host answered {len(answers)} lines for {len(cases)} schemas")
    return answers


# Draft-07 forms, rewritten for the reference (at schema positions only).
SINGLE = ["additionalProperties", "propertyNames", "unevaluatedProperties", "contains", "unevaluatedItems",
          "not", "if", "then", "else", "items", "additionalItems"]
LISTS = ["allOf", "anyOf", "oneOf", "prefixItems"]
MAPS = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]


def to_2020(schema):
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in SINGLE and not (key == "items" and isinstance(value, list)):
            out[key] = to_2020(value)
        elif key in LISTS:
            out[key] = [to_2020(v) for v in value]
        elif key in MAPS:
            out[key] = {k: to_2020(v) for k, v in value.items()}
        else:
            out[key] = value
    if isinstance(schema.get("items"), list):
        out.pop("items")
        out.pop("additionalItems", None)
        out["prefixItems"] = [to_2020(v) for v in schema["items"]]
        if "additionalItems" in schema:
            out["items"] = to_2020(schema["additionalItems"])
    elif "additionalItems" in out:
        out.pop("additionalItems")  # ignored beside a schema-form items, as in draft-07
    if "dependencies" in out:
        for name, dep in out.pop("dependencies").items():
            # Beside a dependentRequired/dependentSchemas of the same name, both apply.
            if isinstance(dep, list):
                required = out.setdefault("dependentRequired", {})
                required[name] = list(dict.fromkeys(required.get(name, []) + dep))
            else:
                schemas = out.setdefault("dependentSchemas", {})
                schemas[name] = {"allOf": [schemas[name], to_2020(dep)]} if name in schemas else to_2020(dep)
    return out


# ---------------------------------------------------------------------------------------------
# The official suite

# Refusals the host makes on purpose (never a half check): a schema that needs another document
# or an embedded resource.
ACCEPTED_REFUSALS = ("is a remote reference", "(an embedded resource) is not supported", "$recursiveRef",
                     "custom meta-schemas (vocabularies) are not supported")

# Files not taken: regular expressions are ECMA-262 in the suite and Swift's Regex on the host;
# format assertions are off in 2020-12 (format is an annotation here, checked by format.json).
SKIPPED = {"optional/ecmascript-regex.json", "optional/non-bmp-regex.json", "optional/format-assertion.json"}


def suite(args):
    root = os.path.join(args.dir, "tests", "draft2020-12")
    files = sorted(os.path.relpath(os.path.join(d, f), root)
                   for d, _, fs in os.walk(root) for f in fs if f.endswith(".json"))
    files = [f for f in files if f not in SKIPPED and not f.startswith("optional/format/")]
    groups = []
    for name in files:
        with open(os.path.join(root, name), encoding="utf-8") as fh:
            for group in load(fh.read()):
                groups.append((name, group))
    answers = host_verdicts(args.host, [(dump(g["schema"]), [dump(t["data"]) for t in g["tests"]]) for _, g in groups])
    passed = failed = refused = 0
    refused_files = {}
    for (name, group), answer in zip(groups, answers):
        if not answer["compiled"]:
            if any(reason in answer["error"] for reason in ACCEPTED_REFUSALS):
                refused += len(group["tests"])
                refused_files[name] = refused_files.get(name, 0) + 1
                continue
            failed += len(group["tests"])
            print(f"FAIL {name}: {group['description']}: refused: {answer['error']}")
            continue
        for test, verdict, message in zip(group["tests"], answer["verdicts"], answer["messages"]):
            if verdict == test["valid"]:
                passed += 1
            else:
                failed += 1
                print(f"FAIL {name}: {group['description']} / {test['description']}: host says "
                      f"{'valid' if verdict else 'invalid'} ({message}); expected {'valid' if test['valid'] else 'invalid'}")
    print(f"JSON-Schema-Test-Suite draft2020-12: {len(files)} files, {len(groups)} schemas; "
          f"{refused} tests under schemas refused on purpose ("
          + ", ".join(f"{k}: {v}" for k, v in sorted(refused_files.items())) + ")")
    print(f"suite: {passed} passed, {failed} failed")
    return 1 if failed else 0


# ---------------------------------------------------------------------------------------------
# Differential: generated schemas and instances

KEYS = ["a", "b", "c", "d"]
STRINGS = ["", "a", "b", "ab", "abc", "ba", "x1", "aaaa", "\U0001F600", "é", "A"]
NUMBER_TEXTS = ["0", "-0", "1", "-1", "2", "3", "1.0", "2.5", "0.3", "0.1", "0.35", "-2.5", "10", "1e2", "1E-2",
                "6", "0.30", "7", "100", "4.0", "18446744073709551616", "-9223372036854775809",
                "9223372036854775807", "1e400", "12345678901234567890123.5", "1.000000000000000000001"]
NUMBERS = [load(t) for t in NUMBER_TEXTS]
PATTERNS = ["^a", "b$", "^[a-c]+$", "^$", "a|b", "^.{2}$", "1"]
TYPES = ["null", "boolean", "object", "array", "number", "integer", "string"]
MULTIPLES = ["2", "3", "0.1", "0.25", "1e-3", "7", "1.5", "0.0001"]


class Generator:
    def __init__(self, rng):
        self.r = rng
        self.defs = []
        self.anchors = []
        self.dynamic = []

    def value(self, depth=2):
        r = self.r
        kind = r.randrange(7 if depth > 0 else 5)
        if kind == 0:
            return r.choice([None, True, False])
        if kind in (1, 2):
            return r.choice(NUMBERS)
        if kind in (3, 4):
            return r.choice(STRINGS)
        if kind == 5:
            return [self.value(depth - 1) for _ in range(r.randrange(5))]
        return {k: self.value(depth - 1) for k in r.sample(KEYS, r.randrange(4))}

    def count(self):
        return self.r.randrange(4)

    def schema(self, depth):
        r = self.r
        if depth <= 0 or r.random() < 0.12:
            return r.random() < 0.7 if depth <= 0 else r.choice([True, False, {}])
        out = {}
        for _ in range(r.randrange(1, 4)):
            self.keyword(out, depth)
        if r.random() < 0.1:
            out[r.choice(["title", "description", "x-note", "$comment"])] = "annotation"
        if r.random() < 0.05:
            out["format"] = r.choice(["email", "date-time", "uri", "uuid"])
        if r.random() < 0.05:
            out["examples"] = [self.value(1)]
        return out

    def keyword(self, out, depth):
        r = self.r
        sub = lambda: self.schema(depth - 1)
        keys = lambda n=None: r.sample(KEYS, n if n is not None else r.randrange(1, 3))
        k = r.choice([
            "type", "type", "enum", "const", "properties", "properties", "patternProperties",
            "additionalProperties", "propertyNames", "required", "dependentRequired", "dependentSchemas",
            "minProperties", "maxProperties", "prefixItems", "items", "contains", "minItems", "maxItems",
            "uniqueItems", "unevaluatedItems", "unevaluatedProperties", "unevaluatedProperties",
            "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
            "multipleOf", "multipleOf", "allOf", "anyOf", "oneOf", "not", "if", "if", "$ref", "$ref",
            "$dynamicRef", "dependencies", "itemsArray",
        ])
        if k == "type":
            out["type"] = r.choice(TYPES) if r.random() < 0.6 else r.sample(TYPES, r.randrange(1, 4))
        elif k == "enum":
            out["enum"] = [self.value(1) for _ in range(r.randrange(1, 4))]
        elif k == "const":
            out["const"] = self.value(1)
        elif k == "properties":
            out["properties"] = {key: sub() for key in keys()}
        elif k == "patternProperties":
            out["patternProperties"] = {p: sub() for p in r.sample(["^a", "b$", "^[cd]"], r.randrange(1, 3))}
        elif k in ("additionalProperties", "propertyNames", "unevaluatedProperties", "unevaluatedItems", "items", "contains", "not"):
            out[k] = r.choice([False, False, True]) if k.startswith("unevaluated") and r.random() < 0.6 else sub()
            if k == "contains":
                if r.random() < 0.4:
                    out["minContains"] = self.count()
                if r.random() < 0.4:
                    out["maxContains"] = self.count()
        elif k == "required":
            out["required"] = keys()
        elif k == "dependentRequired":
            out["dependentRequired"] = {key: keys(r.randrange(0, 3)) for key in keys()}
        elif k == "dependentSchemas":
            out["dependentSchemas"] = {key: sub() for key in keys()}
        elif k == "dependencies" and "items" not in out:
            out["dependencies"] = {key: (keys(r.randrange(0, 3)) if r.random() < 0.5 else sub()) for key in keys()}
        elif k in ("minProperties", "maxProperties", "minItems", "maxItems", "minLength", "maxLength"):
            out[k] = self.count()
        elif k == "prefixItems" and not isinstance(out.get("items"), list):
            out["prefixItems"] = [sub() for _ in range(r.randrange(1, 3))]
        elif k == "itemsArray" and "prefixItems" not in out and "items" not in out:
            out["items"] = [sub() for _ in range(r.randrange(1, 3))]
            if r.random() < 0.6:
                out["additionalItems"] = sub()
        elif k == "uniqueItems":
            out["uniqueItems"] = r.random() < 0.8
        elif k == "pattern":
            out["pattern"] = r.choice(PATTERNS)
        elif k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            out[k] = r.choice(NUMBERS)
        elif k == "multipleOf":
            out["multipleOf"] = load(r.choice(MULTIPLES))
        elif k in ("allOf", "anyOf", "oneOf"):
            out[k] = [sub() for _ in range(r.randrange(1, 4))]
        elif k == "if":
            out["if"] = sub()
            if r.random() < 0.8:
                out["then"] = sub()
            if r.random() < 0.6:
                out["else"] = sub()
        elif k == "$ref" and self.defs:
            index = r.randrange(len(self.defs))
            choice = r.random()
            if choice < 0.3 and self.anchors:
                out["$ref"] = "#" + r.choice(self.anchors)
            elif choice < 0.5:
                out["$ref"] = f"#/definitions/e{index}" if index % 2 else f"#/$defs/d{index}"
            else:
                out["$ref"] = f"#/$defs/d{index}"
        elif k == "$dynamicRef" and self.dynamic:
            out["$dynamicRef"] = "#" + r.choice(self.dynamic)

    def document(self):
        r = self.r
        self.defs, self.anchors, self.dynamic = [], [], []
        count = r.randrange(0, 3)
        defs, legacy = {}, {}
        for i in range(count):
            self.defs.append(i)
        # Definitions may refer to earlier ones only (no loops); the root to any.
        for i in range(count):
            saved = self.defs
            self.defs = list(range(i))
            body = self.schema(2)
            self.defs = saved
            if isinstance(body, dict) and r.random() < 0.3:
                name = f"A{i}"
                body["$anchor"] = name
                self.anchors.append(name)
            if isinstance(body, dict) and r.random() < 0.25:
                name = f"D{i}"
                body["$dynamicAnchor"] = name
                self.dynamic.append(name)
            defs[f"d{i}"] = body
            legacy[f"e{i}"] = body
        root = self.annotated() if r.random() < 0.3 else self.schema(3)
        if not isinstance(root, dict):
            root = {"allOf": [root]}
        if defs:
            root["$defs"] = defs
            root["definitions"] = {k: v for k, v in legacy.items() if int(k[1:]) % 2}
        # Anchors only in $defs (the copies under definitions would repeat them).
        for k, v in root.get("definitions", {}).items():
            if isinstance(v, dict) and ("$anchor" in v or "$dynamicAnchor" in v):
                v = dict(v)
                v.pop("$anchor", None)
                v.pop("$dynamicAnchor", None)
                root["definitions"][k] = v
        return root

    def evaluating(self, depth):
        """A small schema that evaluates members or items (what unevaluated* looks through)."""
        r = self.r
        out = {}
        choice = r.randrange(6)
        if choice == 0:
            out["properties"] = {k: self.schema(depth) for k in r.sample(KEYS, r.randrange(1, 3))}
        elif choice == 1:
            out["patternProperties"] = {r.choice(["^a", "b$", "^[cd]"]): self.schema(depth)}
        elif choice == 2:
            out["prefixItems"] = [self.schema(depth) for _ in range(r.randrange(1, 3))]
        elif choice == 3:
            out["contains"] = self.schema(depth)
        elif choice == 4:
            out["items"] = self.schema(depth)
        else:
            out["additionalProperties"] = self.schema(depth)
        if r.random() < 0.4:
            self.keyword(out, depth + 1)
        return out

    def annotated(self):
        """unevaluatedProperties/Items over in-place applicators whose branches evaluate."""
        r = self.r
        out = {}
        for _ in range(r.randrange(1, 4)):
            k = r.choice(["allOf", "anyOf", "oneOf", "if", "dependentSchemas", "$ref", "local", "not"])
            if k in ("allOf", "anyOf", "oneOf"):
                out[k] = [self.evaluating(1) for _ in range(r.randrange(1, 4))]
            elif k == "if":
                out["if"] = self.evaluating(1)
                out["then"] = self.evaluating(1)
                if r.random() < 0.6:
                    out["else"] = self.evaluating(1)
            elif k == "dependentSchemas":
                out[k] = {key: self.evaluating(1) for key in r.sample(KEYS, r.randrange(1, 3))}
            elif k == "not":
                out[k] = {"not": self.evaluating(1)}
            elif k == "$ref" and self.defs:
                self.keyword(out, 2)
            else:
                out.update(self.evaluating(1))
        for keyword in r.sample(["unevaluatedProperties", "unevaluatedItems"], r.randrange(1, 3)):
            out[keyword] = r.choice([False, False, True, {"type": "integer"}, {"type": "string"}, self.evaluating(1)])
        if r.random() < 0.3:
            out["type"] = r.choice(["object", "array"])
        return out

    def instances(self, schema):
        r = self.r
        out = []
        for _ in range(8):
            v = self.value(3)
            # Lean towards objects and arrays built from the schema's own names.
            if r.random() < 0.35:
                v = {k: self.value(2) for k in r.sample(KEYS, r.randrange(5))}
            elif r.random() < 0.2:
                v = [self.value(2) for _ in range(r.randrange(6))]
            out.append(v)
        return out


def differential(args):
    seed = args.seed
    if seed == "random":
        seed = str(random.SystemRandom().randrange(1 << 32))
    rng = random.Random(int(seed))
    gen = Generator(rng)
    cases = []
    for _ in range(args.cases):
        schema = gen.document()
        cases.append((schema, gen.instances(schema)))
    texts = [(dump(s), [dump(i) for i in insts]) for s, insts in cases]
    answers = host_verdicts(args.host, texts)
    agree = disagree = loops = reference_errors = valid = 0
    shown = 0
    for (schema_text, instance_texts), answer in zip(texts, answers):
        schema = load(schema_text)
        try:
            validator = Reference(to_2020(schema))
            expected = [validator.is_valid(load(t)) for t in instance_texts]
        except RecursionError:
            expected = None
        except Exception as error:  # the reference could not judge: counted, shown
            reference_errors += 1
            if shown < 10:
                shown += 1
                print(f"reference error {type(error).__name__}: {error}\n  schema: {schema_text}")
            continue
        if not answer["compiled"]:
            if "without end" in answer["error"]:
                loops += 1  # refused at load: the reference recursed or short-circuited
                continue
            disagree += len(instance_texts)
            if shown < 10:
                shown += 1
                print(f"MISMATCH host refused: {answer['error']}\n  schema: {schema_text}")
            continue
        if expected is None:
            disagree += len(instance_texts)
            print(f"MISMATCH reference recursed without end, host compiled\n  schema: {schema_text}")
            continue
        for text, mine, theirs, message in zip(instance_texts, answer["verdicts"], expected, answer["messages"]):
            if mine == theirs:
                agree += 1
                valid += theirs
            else:
                disagree += 1
                if shown < 10:
                    shown += 1
                    print(f"MISMATCH host {'valid' if mine else 'invalid'} ({message}), jsonschema "
                          f"{'valid' if theirs else 'invalid'}\n  schema:   {schema_text}\n  instance: {text}")
    print(f"differential (seed {seed}; rerun: --seed {seed}; jsonschema {jsonschema_version()}): "
          f"{args.cases} schemas, {agree + disagree} verdicts, {valid} valid / {agree - valid} invalid agreed; "
          f"{loops} schemas refused as $ref loops; {reference_errors} the reference could not judge")
    print(f"differential: {agree} passed, {disagree} failed")
    if agree == 0 or valid == 0 or valid == agree:
        print("differential: the generated cases did not exercise both verdicts")
        return 1
    return 1 if disagree or reference_errors else 0


def jsonschema_version():
    from importlib.metadata import version
    return version("jsonschema")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("suite")
    s.add_argument("dir", help="the test suite's folder (holding tests/draft2020-12)")
    s.add_argument("host", nargs=argparse.REMAINDER)
    d = sub.add_parser("differential")
    d.add_argument("--cases", type=int, default=3000)
    d.add_argument("--seed", default=os.environ.get("TOOLHOST_SCHEMA_SEED", "20201200"))
    d.add_argument("host", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if not args.host:
        parser.error("give the host command (toolhost-fuzz --schema-verdicts)")
    sys.exit(suite(args) if args.mode == "suite" else differential(args))


if __name__ == "__main__":
    main()
