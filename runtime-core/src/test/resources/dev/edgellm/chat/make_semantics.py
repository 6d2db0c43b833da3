#!/usr/bin/env python3
"""Regenerates semantics.tsv: small templates covering the Jinja features chat templates use, each with
its rendering by Python Jinja2 configured like transformers (see make_expected.py), or the error class it
raises. Columns: name, template, variables (name=expression ;; ...), expected; template and expected are
escaped (\\n, \\t, \\r, \\\\). An expected value "!SYNTAX", "!RUNTIME" or "!RAISED: msg" means Jinja2 fails.

    python3 make_semantics.py          # write semantics.tsv
    python3 make_semantics.py --check  # compare only
"""
import os, sys
import jinja2
from make_expected import environment, HERE, read

M = "messages=[{'role': 'system', 'content': 'S'}, {'role': 'user', 'content': 'U1'}, " \
    "{'role': 'assistant', 'content': ' A1 '}, {'role': 'user', 'content': 'U2'}]"
CASES = [
    # whitespace: trim_blocks, lstrip_blocks, -/+ control, comments, trailing newline
    ("trim_blocks", "{% if true %}\nyes\n{% endif %}\nafter\n", ""),
    ("lstrip_blocks", "<ul>\n    {% for i in [1, 2] %}\n    <li>{{ i }}</li>\n    {% endfor %}\n</ul>", ""),
    ("lstrip_not_for_vars", "a\n    {{ 'x' }}\n  b", ""),
    ("lstrip_only_at_line_start", "x  {% if true %}y{% endif %}", ""),
    ("minus_both_sides", "a  \n  {%- if true -%}  \n  b  \n  {%- endif -%}  \n  c", ""),
    ("minus_on_vars", "a   {{- 'b' -}}   c\n\n{{ 'd' }}  {{- 'e' }}", ""),
    ("plus_disables_lstrip", "a\n    {%+ if true %}b{% endif %}", ""),
    ("plus_disables_trim", "{% if true +%}\nb{% endif %}", ""),
    ("comment_trim", "a\n  {# note #}\nb{#- x -#}   c", ""),
    ("comment_multiline", "{# line1\n line2 #}\nx", ""),
    ("trailing_newline_dropped", "x\n", ""),
    ("two_trailing_newlines", "x\n\n", ""),
    ("crlf_normalized", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc", ""),
    ("raw_block", "{% raw %}{{ not evaluated }} {% if %}{% endraw %}!", ""),
    ("raw_block_minus", "a {%- raw -%}  {{ x }}  {%- endraw -%} b", ""),
    ("block_in_dict_braces", "{{ {'a': {'b': 1}} }}|{{ {'a': 1}['a'] }}", ""),
    ("indented_template", "{%- for m in messages %}\n    {%- if m.role == 'user' %}\n        {{- '<u>' + m.content }}\n    {%- else %}\n        {{- '<o>' + m.content|trim }}\n    {%- endif %}\n{%- endfor %}\n", M),
    # literals and printing
    ("print_literals", "{{ none }}|{{ true }}|{{ false }}|{{ 1 }}|{{ -2 }}|{{ 1.5 }}|{{ 'q' }}|{{ \"d\" }}", ""),
    ("print_containers", "{{ [1, 'a', none, 1.5, true] }}|{{ {'a': 1, 'b': [2]} }}|{{ (1, 2) }}|{{ (1,) }}|{{ [] }}|{{ {} }}", ""),
    ("print_quotes_repr", "{{ [\"it's\", 'say \"hi\"', 'back\\\\slash', 'nl\\n'] }}", ""),
    ("float_repr", "{{ 0.1 + 0.2 }}|{{ 1e20 }}|{{ 1e-5 }}|{{ 1.5e-7 }}|{{ 100.0 }}|{{ 1e16 }}|{{ 123456789.125 }}|{{ 3.0 * 2 }}|{{ 2.5e15 }}", ""),
    ("string_escapes", "{{ 'a\\tb\\nc\\\\d\\'e\\\"f\\u00e9\\x41\\U0001F600' }}", ""),
    ("adjacent_strings", "{{ 'a' 'b' \"c\" }}", ""),
    ("int_underscores", "{{ 1_000 + 1 }}", ""),
    # arithmetic and operators
    ("arith", "{{ 7 + 3 }} {{ 7 - 10 }} {{ 7 * 3 }} {{ 7 / 2 }} {{ 6 / 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}", ""),
    ("precedence", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ 10 - 2 - 3 }} {{ (1 + 2) ~ 3 }} {{ 'a' ~ (1 + 2) }} {{ 10 / 4 * 2 }} {{ 7 % 4 * 2 }}", ""),
    ("concat_binds_tighter_than_plus", "{{ 1 + 2 ~ 3 }}", ""),
    ("concat_tilde", "{{ 'a' ~ 1 ~ none ~ true ~ undefined_thing ~ [1] }}", ""),
    ("string_plus", "{{ 'a' + 'b' }}{{ 'ab' * 3 }}{{ 2 * 'x' }}{{ [1] + [2, 3] }}{{ [0] * 3 }}", ""),
    ("string_plus_int_error", "{{ 'a' + 1 }}", ""),
    ("undefined_plus_error", "{{ nothing + 'a' }}", ""),
    ("bool_arith", "{{ true + 1 }} {{ true == 1 }} {{ 1 == 1.0 }} {{ false == 0 }}", ""),
    ("compare", "{{ 1 < 2 }} {{ 2 <= 2 }} {{ 3 > 4 }} {{ 'a' < 'b' }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ [1, 2] < [1, 3] }} {{ 'b' >= 'a' }}", ""),
    ("compare_mixed_error", "{{ 1 < 'a' }}", ""),
    ("equality", "{{ [1, 2] == [1, 2] }} {{ {'a': 1} == {'a': 1} }} {{ {'a': 1} == {'a': 2} }} {{ none == none }} {{ 'a' != 'b' }} {{ (1, 2) == [1, 2] }} {{ 1 == '1' }}", ""),
    ("in_operator", "{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }} {{ 'x' not in 'abc' }} {{ 'z' in nothing }}", ""),
    ("logic", "{{ true and false }} {{ true or false }} {{ not true }} {{ not none }} {{ 0 or 'x' }} {{ '' and 'y' }} {{ 'a' and 'b' }} {{ not 1 == 2 }} {{ not (1 == 2) and true }}", ""),
    ("ternary", "{{ 'y' if true else 'n' }} {{ 'y' if false else 'n' }} [{{ 'y' if false }}] {{ 1 if none else 2 if true else 3 }}", ""),
    ("unary", "{{ -(3) }} {{ +3 }} {{ - -3 }} {{ -1.5 }}", ""),
    # variables, attribute/item access, slicing
    ("undefined_prints_empty", "[{{ nope }}][{% if nope %}t{% else %}f{% endif %}][{{ nope is defined }}]", ""),
    ("undefined_attr_error", "{{ nope.attr }}", ""),
    ("undefined_call_error", "{{ nope() }}", ""),
    ("dict_access", "{{ d.a }} {{ d['a'] }} {{ d.missing is defined }} {{ d['missing'] is defined }} {{ d.get('a') }} {{ d.get('x', 'dflt') }} {{ d.get('x') }}", "d={'a': 1}"),
    ("dict_method_vs_key", "{{ d['items'] }} {{ d.items()|list }} {{ d.keys()|list }} {{ d.values()|list }}", "d={'items': 'k'}"),
    ("list_index", "{{ l[0] }} {{ l[-1] }} {{ l[5] is defined }} {{ l[1:] }} {{ l[:2] }} {{ l[::-1] }} {{ l[::2] }} {{ l[-2:] }} {{ l[1:-1] }} {{ l[5:] }}", "l=[1, 2, 3, 4]"),
    ("string_index", "{{ s[0] }} {{ s[-1] }} {{ s[1:3] }} {{ s[::-1] }} {{ s[10] is defined }} {{ s[2:] }}", "s='h\u00e9llo\U0001F600'"),
    ("none_attr", "{{ x.content is defined }} {{ x['k'] is defined }}", "x=none"),
    ("string_attr_undefined", "{{ s.content is defined }}", "s='abc'"),
    ("nested_access", "{{ m[0]['role'] }} {{ m[0].role }} {{ m[1].content|trim }} {{ m[-1]['content'] }}", M.replace("messages", "m")),
    ("index_out_of_range_attr_error", "{{ l[5].role }}", "l=[1]"),
    # set, namespace, scoping
    ("set_basic", "{% set x = 1 %}{% set y = x + 1 %}{{ x }}{{ y }}{% set a, b = [3, 4] %}{{ a }}{{ b }}{% set t = 5, 6 %}{{ t }}", ""),
    ("set_in_loop_is_local", "{% set x = 0 %}{% for i in [1, 2] %}{% set x = x + i %}{{ x }}{% endfor %}|{{ x }}", ""),
    ("set_in_loop_not_carried", "{% for i in range(3) %}{% if i == 0 %}{% set y = 'a' %}{% endif %}[{{ y }}]{% endfor %}", ""),
    ("set_in_if_is_global", "{% if true %}{% set x = 'in' %}{% endif %}{{ x }}", ""),
    ("namespace", "{% set ns = namespace(found=false, n=0) %}{% for i in [1, 2, 3] %}{% if i == 2 %}{% set ns.found = true %}{% endif %}{% set ns.n = ns.n + i %}{% endfor %}{{ ns.found }} {{ ns.n }} {{ ns.missing is defined }}", ""),
    ("namespace_empty", "{% set ns = namespace() %}{% set ns.index = 0 %}{% set ns.index = ns.index + 1 %}{{ ns.index }}", ""),
    ("set_attr_on_dict_error", "{% set d = {} %}{% set d.x = 1 %}", ""),
    ("set_block", "{% set x %}a{{ 1 + 1 }}b{% endset %}[{{ x }}]{% set y | upper %}low{% endset %}{{ y }}", ""),
    # for loops
    ("loop_vars", "{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}", ""),
    ("loop_prev_next_cycle", "{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }}-{{ loop.cycle('o', 'e') }};{% endfor %}", ""),
    ("loop_else", "{% for x in [] %}x{% else %}empty{% endfor %}{% for x in [1] %}{{ x }}{% else %}no{% endfor %}", ""),
    ("loop_filter", "{% for x in range(10) if x is odd %}{{ x }}{{ loop.index }}/{{ loop.length }},{% endfor %}", ""),
    ("loop_over_dict_and_items", "{% for k in d %}{{ k }}{% endfor %}|{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{% for k, v in d|items %}{{ k }}{{ v }}{% endfor %}", "d={'b': 1, 'a': 2}"),
    ("loop_over_string", "{% for c in 'ab\u00e9' %}[{{ c }}]{% endfor %}", ""),
    ("loop_nested_loop_var", "{% for a in [1, 2] %}{% set outer = loop %}{% for b in [3, 4] %}{{ outer.index }}{{ loop.index }} {% endfor %}{% endfor %}", ""),
    ("loop_break_continue", "{% for i in range(6) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}", ""),
    ("loop_over_none_error", "{% for x in none %}{{ x }}{% endfor %}", ""),
    ("loop_over_undefined", "{% for x in nope %}{{ x }}{% else %}none{% endfor %}", ""),
    ("loop_unpack_error", "{% for a, b in [[1, 2, 3]] %}{{ a }}{% endfor %}", ""),
    ("loop_messages_reversed", "{% for m in messages[::-1] %}{{ m.role }}{{ loop.index0 }} {% endfor %}", M),
    ("range_forms", "{{ range(3)|list }} {{ range(1, 4)|list }} {{ range(10, 0, -3)|list }} {{ range(0)|list }} {{ range(5, 2)|list }}", ""),
    # if
    ("if_elif_else", "{% for v in [0, 1, 2] %}{% if v == 0 %}zero{% elif v == 1 %}one{% else %}many{% endif %},{% endfor %}", ""),
    ("truthiness", "{% for v in [0, 1, '', 'a', [], [0], {}, {'a': 1}, none, 0.0, 0.5, false] %}{{ 'T' if v else 'F' }}{% endfor %}", ""),
    # macros
    ("macro", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(punct='.', name='C') }} [{{ greet() }}]", ""),
    ("macro_recursive", "{% macro count(n) %}{{ n }}{% if n > 0 %}{{ count(n - 1) }}{% endif %}{% endmacro %}{{ count(3) }}", ""),
    ("macro_sees_globals", "{% set g = 'G' %}{% macro m() %}{{ g }}{{ bos_token }}{% endmacro %}{{ m() }}", "bos_token='<s>'"),
    ("filter_block", "{% filter upper %}abc {{ 'd' }}{% endfilter %}", ""),
    # filters
    ("filter_trim_case", "[{{ '  a b  '|trim }}][{{ 'xxaxx'|trim('x') }}]{{ 'aB'|upper }}{{ 'aB'|lower }}{{ 'hello WORLD'|capitalize }}{{ 'hello big-world (x)'|title }}", ""),
    ("filter_length", "{{ 'h\u00e9'|length }}{{ [1, 2]|length }}{{ {'a': 1}|count }}{{ nope|length }}", ""),
    ("filter_default", "{{ nope|default('d') }} {{ ''|default('e') }} {{ ''|default('e', true) }} {{ none|default('n') }} {{ 0|d('z', true) }} {{ nope|default }}|", ""),
    ("filter_join", "{{ [1, 'a', none]|join }} {{ ['a', 'b']|join(', ') }} {{ users|join(' ', attribute='name') }}", "users=[{'name': 'x'}, {'name': 'y'}]"),
    ("filter_first_last", "{{ [1, 2, 3]|first }} {{ [1, 2, 3]|last }} {{ 'abc'|first }} [{{ []|first }}]", ""),
    ("filter_replace", "{{ 'a-b-c'|replace('-', '+') }} {{ 'a-b-c'|replace('-', '', 1) }} {{ 'ab'|replace('', '.') }}", ""),
    ("filter_string_int_float", "{{ 5|string ~ 'x' }} {{ '42'|int + 1 }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ 3.9|int }} {{ '3.5'|float }} {{ 2|float }} {{ ' 12 '|int }} {{ '3.7'|int }}", ""),
    ("filter_tojson", "{{ {'a': [1, 2.5, none, true], 'b': 'x\"y\\\\z\\n\u00e9<>&'}|tojson }}", ""),
    ("filter_tojson_indent", "{{ {'a': [1, {'b': {}}], 'c': []}|tojson(indent=2) }}", ""),
    ("filter_tojson_options", "{{ {'b': 1, 'a': [1, 2]}|tojson(sort_keys=true) }} {{ [1, 2]|tojson(separators=(',', ':')) }} {{ '\u00e9'|tojson(ensure_ascii=true) }} {{ 1.0|tojson }} {{ 'x'|tojson }}", ""),
    ("filter_tojson_undefined_error", "{{ nope|tojson }}", ""),
    ("filter_items_dictsort", "{{ d|items|list }} {{ d|dictsort }} {{ d|dictsort(by='value') }}", "d={'b': 1, 'a': 2}"),
    ("filter_list_unique_reverse_sort", "{{ 'ab'|list }} {{ [1, 2, 1]|unique|list }} {{ [1, 2]|reverse|list }} {{ 'abc'|reverse }} {{ [3, 1, 2]|sort }} {{ ['b', 'A', 'c']|sort }} {{ [3, 1, 2]|sort(reverse=true) }} {{ users|sort(attribute='age')|map(attribute='name')|list }}", "users=[{'name': 'x', 'age': 30}, {'name': 'y', 'age': 20}]"),
    ("filter_select_reject", "{{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('odd')|list }} {{ [0, 1, '', 'a']|select|list }} {{ [1, 5, 9]|select('greaterthan', 4)|list }}", ""),
    ("filter_selectattr", "{{ messages|selectattr('role', 'equalto', 'user')|map(attribute='content')|list }} {{ messages|rejectattr('role', 'equalto', 'user')|list|length }} {{ messages|selectattr('role', '==', 'system')|list|length }}", M),
    ("filter_selectattr_defined", "{{ xs|selectattr('t', 'defined')|list }} {{ xs|selectattr('t')|list }}", "xs=[{'t': 1}, {'u': 2}, {'t': 0}]"),
    ("filter_map", "{{ ['a', 'b']|map('upper')|list }} {{ xs|map(attribute='f.n')|join(',') }} {{ xs|map(attribute='q', default='-')|list }}", "xs=[{'f': {'n': 1}}, {'f': {'n': 2}}]"),
    ("filter_sum_min_max", "{{ [1, 2, 3]|sum }} {{ [1, 2]|sum(start=10) }} {{ [3, 1, 2]|min }} {{ [3, 1, 2]|max }} {{ ['b', 'A']|max }}", ""),
    ("filter_abs_round", "{{ -3|abs }} {{ (-3)|abs }} {{ -2.5|abs }} {{ 2.567|round(2) }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(method='floor') }} {{ 7|round }}", ""),
    ("filter_indent_center_wordcount", "{{ 'a\\nb\\n\\nc'|indent(2) }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'ab'|center(7) }}|{{ 'one two  three'|wordcount }}", ""),
    ("filter_format", "{{ '%s-%d-%.2f-%5s-%-3d|%%'|format('a', 3, 1.234, 'r', 7) }} {{ '%(x)s'|format(x=1) }} {{ '%s and %s' % ('a', 'b') }} {{ '%d items' % 3 }}", ""),
    ("filter_escape_safe", "{{ '<a href=\"x\">&</a>'|e }} {{ '<b>'|safe }}", ""),
    ("filter_batch", "{{ [1, 2, 3, 4, 5]|batch(2)|list }}", ""),
    ("filter_chain_and_precedence", "{{ '  Hi  '|trim|lower ~ '!' }} {{ 'a' + 'B'|lower }} {{ -1|abs }} {{ [1, 2]|length + 1 }}", ""),
    ("filter_unknown_error", "{{ 'x'|no_such_filter }}", ""),
    # tests
    ("tests_types", "{{ 'a' is string }}{{ 1 is string }}{{ 1 is number }}{{ 1.5 is number }}{{ true is number }}{{ 1 is integer }}{{ true is integer }}{{ 1.0 is float }}{{ true is boolean }}{{ {} is mapping }}{{ [] is mapping }}{{ [] is iterable }}{{ 'a' is iterable }}{{ 1 is iterable }}{{ [] is sequence }}{{ none is none }}{{ 0 is none }}", ""),
    ("tests_defined", "{{ x is defined }}{{ x is undefined }}{{ y is defined }}{{ y is not none }}{{ x is not defined }}{{ not x is defined }}", "y=none"),
    ("tests_numbers", "{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}{{ 1 is eq 1 }}{{ 1 is ne 2 }}{{ 1 is lt 2 }}{{ 3 is gt 2 }}{{ 3 is ge 3 }}{{ 2 is le 1 }}", ""),
    ("tests_misc", "{{ 2 is in [1, 2] }}{{ 'ab' is lower }}{{ 'AB' is upper }}{{ x is sameas false }}{{ none is sameas none }}{{ range is callable }}{{ 'x' is callable }}{{ true is true }}{{ 0 is false }}", "x=false"),
    ("test_unknown_error", "{{ 1 is frobnicated }}", ""),
    # methods
    ("str_methods", "[{{ ' x '.strip() }}][{{ ' x '.lstrip() }}][{{ ' x '.rstrip() }}][{{ 'xxaxx'.strip('x') }}]{{ 'aB'.upper() }}{{ 'aB'.lower() }}{{ 'hello wORLD'.title() }}{{ 'user'.title() }}{{ 'hello'.capitalize() }}", ""),
    ("str_split", "{{ 'a,b,,c'.split(',') }} {{ '  a  b '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a</think>b'.split('</think>')[-1] }} {{ ''.split() }} {{ ''.split(',') }}", ""),
    ("str_affixes", "{{ 'hello'.startswith('he') }}{{ 'hello'.endswith('lo') }}{{ 'hello'.startswith(('x', 'h')) }}{{ 'hello'.endswith('x') }}", ""),
    ("str_replace_find_count", "{{ 'aaa'.replace('a', 'b', 2) }} {{ 'abc'.find('c') }} {{ 'abc'.find('z') }} {{ 'banana'.count('a') }} {{ ','.join(['a', 'b']) }}", ""),
    ("str_format", "{{ '{} and {}'.format('a', 'b') }} {{ '{0}{1}{0}'.format('x', 'y') }} {{ '{name}!'.format(name='n') }} {{ '{{literal}}'.format() }} {{ '{:>5}|{:<4}|{:^5}|{:.2f}'.format('r', 'l', 'c', 3.14159) }}", ""),
    ("str_predicates", "{{ '123'.isdigit() }}{{ '12a'.isdigit() }}{{ 'ab'.isalpha() }}{{ ' '.isspace() }}{{ 'AB'.isupper() }}{{ 'ab'.islower() }}", ""),
    ("str_splitlines", "{{ 'a\\nb\\r\\nc\\n'.splitlines() }}", ""),
    ("list_methods", "{{ [1, 2, 3].index(2) }} {{ [1, 1, 2].count(1) }}", ""),
    ("method_on_undefined_error", "{{ nope.strip() }}", ""),
    # globals
    ("raise_exception", "{% if true %}{{ raise_exception('Conversation roles must alternate') }}{% endif %}", ""),
    ("strftime_fixed_format", "{{ strftime_now('%%') }}", ""),
    ("dict_global", "{{ dict(a=1, b='x') }} {{ dict({'z': 0}, y=2) }}", ""),
    # syntax errors
    ("syntax_unclosed_tag", "{% if x %}no end", ""),
    ("syntax_unclosed_var", "{{ x ", ""),
    ("syntax_bad_token", "{{ x $ y }}", ""),
    ("syntax_stray_endfor", "{% endfor %}", ""),
    ("syntax_unknown_tag", "{% frobnicate %}", ""),
    ("syntax_mismatched_end", "{% for x in y %}{% endif %}", ""),
    ("syntax_missing_in", "{% for x y %}{% endfor %}", ""),
    ("syntax_unclosed_paren", "{{ (1 + 2 }}", ""),
    ("syntax_unclosed_string", "{{ 'abc }}", ""),
    ("syntax_break_outside_loop", "{% break %}", ""),
]

def escape(s):
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")

def run(template, variables):
    env = environment()
    extra = {}
    if variables:
        for assign in variables.split(" ;; "):
            name, expr = assign.split("=", 1)
            extra[name] = env.compile_expression(expr)()
    try:
        return env.from_string(template).render(**extra)
    except (jinja2.exceptions.TemplateSyntaxError, SyntaxError):
        return "!SYNTAX"
    except jinja2.exceptions.UndefinedError:
        return "!RUNTIME"
    except jinja2.exceptions.TemplateError as e:
        if type(e) is jinja2.exceptions.TemplateError:
            return "!RAISED: " + str(e)
        return "!RUNTIME"
    except (TypeError, ValueError, ZeroDivisionError, AttributeError, KeyError, IndexError):
        return "!RUNTIME"

def main():
    lines = ["# name\ttemplate\tvariables\texpected (generated by make_semantics.py with Jinja2 " + jinja2.__version__ + ")"]
    names = set()
    for name, template, variables in CASES:
        assert name not in names, name
        names.add(name)
        lines.append("\t".join([name, escape(template), variables or "-", escape(run(template, variables))]))
    text = "\n".join(lines) + "\n"
    path = os.path.join(HERE, "semantics.tsv")
    if "--check" in sys.argv:
        ok = read(path) == text
        print("semantics.tsv", "matches" if ok else "DIFFERS")
        sys.exit(0 if ok else 1)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    print(len(CASES), "cases written")

if __name__ == "__main__":
    main()
