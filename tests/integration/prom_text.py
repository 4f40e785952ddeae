#!/usr/bin/env python3
"""A strict parser of the Prometheus text format (0.0.4) as pstorage's
daemons write it at GET /metrics (frontends/common/metrics_text.hpp,
docs/monitoring.md). Any line it cannot account for fails.

  prom_text.py FILE        prints the samples as JSON [{name, labels, value}],
                           exit 1 with "line N: why" on the first bad line
  prom_text.py --self-test checks that malformed inputs are refused

Stricter than Prometheus where our contract is stricter: no empty lines, no
free comments, every family has exactly one HELP and one TYPE before its
samples, a family's samples are contiguous, names start with pstorage_,
counters end in _total, histograms are cumulative and end with le="+Inf"
equal to _count, no series twice.
"""
import json
import math
import re
import sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*'
VALUE = r'(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|NaN|[-+]Inf)'
TYPES = {'counter', 'gauge', 'histogram', 'summary', 'untyped'}


class ParseError(Exception):
    pass


def unescape(s, allowed):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == '\\':
            if i + 1 >= len(s) or s[i + 1] not in allowed:
                raise ParseError('bad escape in %r' % s)
            out.append({'\\': '\\', '"': '"', 'n': '\n'}[s[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def parse_labels(text):
    """text is what lies between { and }; returns a dict."""
    labels, i = {}, 0
    while i < len(text):
        m = re.match(LABEL + '=', text[i:])
        if not m:
            raise ParseError('bad label at %r' % text[i:])
        name = m.group(0)[:-1]
        if name.startswith('__'):
            raise ParseError('reserved label name %s' % name)
        i += len(m.group(0))
        if i >= len(text) or text[i] != '"':
            raise ParseError('label %s: value not quoted' % name)
        j = i + 1
        while j < len(text) and text[j] != '"':
            j += 2 if text[j] == '\\' else 1
        if j >= len(text):
            raise ParseError('label %s: unterminated value' % name)
        if name in labels:
            raise ParseError('label %s twice' % name)
        labels[name] = unescape(text[i + 1:j], '\\"n')
        i = j + 1
        if i < len(text):
            if text[i] != ',' or i + 1 == len(text):
                raise ParseError('expected "," between labels at %r' % text[i:])
            i += 1
    return labels


def split_labels(rest):
    """rest starts after the metric name: '{...} VALUE' or ' VALUE'."""
    if not rest.startswith('{'):
        return {}, rest
    j, quoted = 1, False
    while j < len(rest):
        c = rest[j]
        if quoted and c == '\\':
            j += 2
            continue
        if c == '"':
            quoted = not quoted
        elif c == '}' and not quoted:
            return parse_labels(rest[1:j]), rest[j + 1:]
        j += 1
    raise ParseError('unterminated label set')


def family_of(name, families):
    if name in families:
        return name
    for suffix in ('_bucket', '_sum', '_count'):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and families.get(base, {}).get('type') == 'histogram':
            return base
    return None


def parse(text):
    if text and not text.endswith('\n'):
        raise ParseError('the last line has no line feed')
    families, samples, seen, closed = {}, [], set(), set()
    current = None
    for n, line in enumerate(text.split('\n')[:-1], 1):
        try:
            if line == '':
                raise ParseError('empty line')
            if line.startswith('#'):
                m = re.fullmatch(r'# (HELP|TYPE) (' + NAME + r') (.*)', line)
                if not m:
                    raise ParseError('a comment that is neither HELP nor TYPE')
                kind, name, arg = m.groups()
                if name in closed or (current and name != current):
                    if name in families:
                        raise ParseError('%s for %s after its samples or another family' % (kind, name))
                if current != name:
                    if current:
                        closed.add(current)
                    current = name
                f = families.setdefault(name, {'help': None, 'type': None, 'samples': 0})
                if f['samples']:
                    raise ParseError('%s for %s after its samples' % (kind, name))
                if kind == 'HELP':
                    if f['help'] is not None:
                        raise ParseError('second HELP for %s' % name)
                    f['help'] = unescape(arg, '\\n')
                else:
                    if f['type'] is not None:
                        raise ParseError('second TYPE for %s' % name)
                    if arg not in TYPES:
                        raise ParseError('unknown type %r' % arg)
                    f['type'] = arg
                continue
            m = re.match(NAME, line)
            if not m:
                raise ParseError('no metric name')
            name = m.group(0)
            labels, rest = split_labels(line[len(name):])
            vm = re.fullmatch(r' (' + VALUE + r')(?: (-?\d+))?', rest)
            if not vm:
                raise ParseError('bad value part %r' % rest)
            value = float(vm.group(1).replace('Inf', 'inf').replace('NaN', 'nan'))
            fam = family_of(name, families)
            if fam is None:
                raise ParseError('sample %s has no TYPE' % name)
            if fam != current:
                raise ParseError('sample of %s away from its family' % fam)
            f = families[fam]
            if f['help'] is None or f['type'] is None:
                raise ParseError('family %s lacks HELP or TYPE' % fam)
            if not fam.startswith('pstorage_'):
                raise ParseError('%s lacks the pstorage_ prefix' % fam)
            if f['type'] == 'counter' and not fam.endswith('_total'):
                raise ParseError('counter %s does not end in _total' % fam)
            if f['type'] == 'counter' and (value < 0 or math.isnan(value)):
                raise ParseError('counter %s is %s' % (fam, value))
            key = (name, tuple(sorted(labels.items())))
            if key in seen:
                raise ParseError('series %s%s twice' % key)
            seen.add(key)
            f['samples'] += 1
            samples.append({'name': name, 'labels': labels, 'value': value, 'family': fam})
        except ParseError as e:
            raise ParseError('line %d: %s: %s' % (n, e, line))
    check_histograms(families, samples)
    return samples


def check_histograms(families, samples):
    for fam, f in families.items():
        if f['samples'] == 0:
            raise ParseError('family %s has no samples' % fam)
        if f['type'] != 'histogram':
            continue
        series = {}
        for s in samples:
            if s['family'] != fam:
                continue
            rest = tuple(sorted((k, v) for k, v in s['labels'].items() if k != 'le'))
            e = series.setdefault(rest, {'buckets': [], 'sum': None, 'count': None})
            if s['name'] == fam + '_bucket':
                if 'le' not in s['labels']:
                    raise ParseError('%s bucket without le' % fam)
                le = float(s['labels']['le'].replace('Inf', 'inf'))
                e['buckets'].append((le, s['value']))
            elif s['name'] == fam + '_sum':
                e['sum'] = s['value']
            elif s['name'] == fam + '_count':
                e['count'] = s['value']
            else:
                raise ParseError('%s: stray series %s' % (fam, s['name']))
        for rest, e in series.items():
            b = e['buckets']
            if not b or b[-1][0] != math.inf:
                raise ParseError('%s%s: no le="+Inf" bucket last' % (fam, rest))
            if any(b[i][0] >= b[i + 1][0] or b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
                raise ParseError('%s%s: buckets not ascending and cumulative' % (fam, rest))
            if e['sum'] is None or e['count'] != b[-1][1]:
                raise ParseError('%s%s: _sum missing or _count != +Inf bucket' % (fam, rest))


BAD = [
    ('no TYPE', 'pstorage_x 1\n'),
    ('no line feed', '# HELP pstorage_x x\n# TYPE pstorage_x gauge\npstorage_x 1'),
    ('two TYPEs', '# HELP pstorage_x x\n# TYPE pstorage_x gauge\n# TYPE pstorage_x gauge\npstorage_x 1\n'),
    ('bad escape', '# HELP pstorage_x x\n# TYPE pstorage_x gauge\npstorage_x{a="\\q"} 1\n'),
    ('unquoted', '# HELP pstorage_x x\n# TYPE pstorage_x gauge\npstorage_x{a=1} 1\n'),
    ('bad value', '# HELP pstorage_x x\n# TYPE pstorage_x gauge\npstorage_x one\n'),
    ('split family', '# HELP pstorage_x x\n# TYPE pstorage_x gauge\npstorage_x{a="1"} 1\n'
                     '# HELP pstorage_y y\n# TYPE pstorage_y gauge\npstorage_y 1\npstorage_x{a="2"} 1\n'),
    ('twice', '# HELP pstorage_x x\n# TYPE pstorage_x gauge\npstorage_x 1\npstorage_x 2\n'),
    ('counter name', '# HELP pstorage_x x\n# TYPE pstorage_x counter\npstorage_x 1\n'),
    ('histogram', '# HELP pstorage_h h\n# TYPE pstorage_h histogram\npstorage_h_bucket{le="1"} 2\n'
                  'pstorage_h_bucket{le="+Inf"} 1\npstorage_h_sum 1\npstorage_h_count 1\n'),
    ('empty line', '# HELP pstorage_x x\n# TYPE pstorage_x gauge\n\npstorage_x 1\n'),
    ('trailing comma', '# HELP pstorage_x x\n# TYPE pstorage_x gauge\npstorage_x{a="1",} 1\n'),
]
GOOD = ('# HELP pstorage_x a \\\\ b\\nc\n# TYPE pstorage_x gauge\npstorage_x{a="q\\"\\\\\\n",b="2"} -1.5e-3\n'
        '# HELP pstorage_h h\n# TYPE pstorage_h histogram\npstorage_h_bucket{le="0.5"} 1\n'
        'pstorage_h_bucket{le="+Inf"} 2\npstorage_h_sum 3\npstorage_h_count 2\n'
        '# HELP pstorage_c_total c\n# TYPE pstorage_c_total counter\npstorage_c_total NaN\n')


def self_test():
    for why, text in BAD:
        try:
            parse(text)
        except ParseError:
            continue
        sys.exit('self-test: accepted a malformed input (%s)' % why)
    try:
        parse(GOOD.replace('NaN', '7'))
    except ParseError as e:
        sys.exit('self-test: refused a good input: %s' % e)
    s = parse(GOOD.replace('NaN', '7'))
    assert s[0]['labels'] == {'a': 'q"\\\n', 'b': '2'} and s[0]['value'] == -0.0015, s[0]
    print('prom_text self-test: %d malformed inputs refused, the good one parsed' % len(BAD))


if __name__ == '__main__':
    if sys.argv[1:] == ['--self-test']:
        self_test()
        sys.exit(0)
    try:
        with open(sys.argv[1], encoding='utf-8') as fh:
            out = parse(fh.read())
    except ParseError as e:
        sys.exit('malformed /metrics: %s' % e)
    print(json.dumps([{k: s[k] for k in ('name', 'labels', 'value')} for s in out]))
