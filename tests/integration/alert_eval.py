#!/usr/bin/env python3
"""Evaluates deploy/monitoring's alert rules on scraped samples, for hosts
without promtool (docs/monitoring.md). Understands the rules' simple form

    [max|min|sum|count(] name{label="v", label=~"re", label!="v"} [)] OP NUMBER [OP NUMBER ...]

with OP one of == != > >= < <=; a chain filters like PromQL's
(`x < 30 >= 0`: the series whose value is below 30 and at least 0); a rule in another form (range functions such
as changes()) is listed as not evaluated. `for:` is ignored: a rule whose
expression holds is reported as firing.

  alert_eval.py RULES.yml SAMPLES.json   prints JSON {"firing": {alert: [labels...]},
                                                      "not_evaluated": [alert...]}
SAMPLES.json: [{name, labels, value}] as prom_text.py prints, from any
number of scrapes.
"""
import json
import operator
import re
import sys

import yaml

OPS = {'==': operator.eq, '!=': operator.ne, '>=': operator.ge, '<=': operator.le, '>': operator.gt, '<': operator.lt}
FORM = re.compile(r'\s*(?:(max|min|sum|count)\s*\(\s*)?([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{([^}]*)\})?\s*(\))?\s*'
                  r'((?:(?:==|!=|>=|<=|>|<)\s*[-+]?[0-9.]+(?:[eE][-+]?\d+)?\s*)+)')
COMPARISON = re.compile(r'(==|!=|>=|<=|>|<)\s*([-+]?[0-9.]+(?:[eE][-+]?\d+)?)\s*')
MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')


def matchers(text):
    out, i = [], 0
    text = text or ''
    while i < len(text):
        m = MATCHER.match(text, i)
        if not m:
            raise ValueError('bad matcher at %r' % text[i:])
        out.append(m.groups())
        i = m.end()
    return out


def selects(sample, name, ms):
    if sample['name'] != name:
        return False
    for label, op, value in ms:
        have = sample['labels'].get(label, '')
        if op == '=' and have != value:
            return False
        if op == '!=' and have == value:
            return False
        if op == '=~' and not re.fullmatch(value, have):
            return False
    return True


def evaluate(expr, samples):
    """The series for which expr holds, or None if expr is not of the simple form."""
    m = FORM.fullmatch(expr)
    if not m:
        return None
    agg, name, sel, close, chain = m.groups()
    if bool(agg) != bool(close):
        return None
    picked = [s for s in samples if selects(s, name, matchers(sel))]
    tests = [(OPS[op], float(number)) for op, number in COMPARISON.findall(chain)]

    def holds(value):
        return all(test(value, bound) for test, bound in tests)
    if agg:
        if not picked:
            return []  # an aggregation of nothing is empty: no alert
        values = [s['value'] for s in picked]
        v = {'max': max, 'min': min, 'sum': sum, 'count': len}[agg](values)
        return [{}] if holds(v) else []
    return [s['labels'] for s in picked if holds(s['value'])]


def main(rules_path, samples_path):
    with open(rules_path) as fh:
        rules = yaml.safe_load(fh)
    with open(samples_path) as fh:
        samples = json.load(fh)
    firing, skipped, names = {}, [], set()
    for group in rules['groups']:
        for rule in group['rules']:
            alert = rule['alert']
            if alert in names:
                sys.exit('alert %s defined twice' % alert)
            names.add(alert)
            for key in ('expr', 'labels', 'annotations'):
                if key not in rule:
                    sys.exit('alert %s has no %s' % (alert, key))
            if 'severity' not in rule['labels'] or 'summary' not in rule['annotations']:
                sys.exit('alert %s lacks labels.severity or annotations.summary' % alert)
            hits = evaluate(rule['expr'], samples)
            if hits is None:
                skipped.append(alert)
            elif hits:
                firing[alert] = hits
    print(json.dumps({'firing': firing, 'not_evaluated': skipped}))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
