package dev.edgellm.chat;

import java.util.List;

/**
 * The template syntax tree. Plain immutable holders: {@link Interpreter} does all the work. Every node keeps
 * the source offset it came from so that a runtime error can point at it.
 */
abstract class Node {
    /**
     * Tallest expression tree allowed. Long flat chains ({@code a + b + ...}, {@code x|f|f|...}) build deep
     * trees without deep syntax, and evaluation recurses once per level, so the height itself is bounded.
     */
    static final int MAX_HEIGHT = 256;

    final int pos;
    final int height;

    Node(int pos) { this(pos, 1); }

    Node(int pos, int height) {
        this.pos = pos;
        this.height = height;
        if (height > MAX_HEIGHT) {
            throw new Values.Fail(TemplateException.Kind.LIMIT,
                    "expression is too deeply nested (more than " + MAX_HEIGHT + " levels)", pos);
        }
    }

    /** 1 + the height of the tallest child (nulls and lists of children allowed). */
    static int h(Object... kids) {
        int max = 0;
        for (Object k : kids) {
            if (k instanceof Node) {
                max = Math.max(max, ((Node) k).height);
            } else if (k instanceof List) {
                for (Object o : (List<?>) k) max = Math.max(max, h(o) - 1);
            } else if (k instanceof Args) {
                max = Math.max(max, h(((Args) k).positional, ((Args) k).named) - 1);
            }
        }
        return max + 1;
    }

    // ---- statements ---------------------------------------------------------------------------------

    /** Literal template text. */
    static final class Text extends Node {
        final String text;
        Text(int pos, String text) { super(pos); this.text = text; }
    }

    /** {{ expr }} */
    static final class Emit extends Node {
        final Node expr;
        Emit(int pos, Node expr) { super(pos, h(expr)); this.expr = expr; }
    }

    /** {% for targets in iter [if filter] %} body {% else %} orElse {% endfor %} */
    static final class For extends Node {
        final List<String> targets;
        final Node iter;
        final Node filter;
        final List<Node> body;
        final List<Node> orElse;
        For(int pos, List<String> targets, Node iter, Node filter, List<Node> body, List<Node> orElse) {
            super(pos);
            this.targets = targets;
            this.iter = iter;
            this.filter = filter;
            this.body = body;
            this.orElse = orElse;
        }
    }

    /** {% if %}/{% elif %}.../{% else %}: conditions[i] guards bodies[i]; orElse may be empty. */
    static final class If extends Node {
        final List<Node> conditions;
        final List<List<Node>> bodies;
        final List<Node> orElse;
        If(int pos, List<Node> conditions, List<List<Node>> bodies, List<Node> orElse) {
            super(pos);
            this.conditions = conditions;
            this.bodies = bodies;
            this.orElse = orElse;
        }
    }

    /** {% set a = v %}, {% set a, b = v %} or {% set ns.attr = v %} (namespace != null). */
    static final class Set extends Node {
        final List<String> targets;
        final Node namespace;
        final String attribute;
        final Node value;
        Set(int pos, List<String> targets, Node namespace, String attribute, Node value) {
            super(pos);
            this.targets = targets;
            this.namespace = namespace;
            this.attribute = attribute;
            this.value = value;
        }
    }

    /** {% set name %}...{% endset %}, the captured text optionally passed through filters. */
    static final class SetBlock extends Node {
        final String target;
        final List<Node> body;
        final Node filter; // a Filter chain applied to a Literal placeholder, or null
        SetBlock(int pos, String target, List<Node> body, Node filter) {
            super(pos);
            this.target = target;
            this.body = body;
            this.filter = filter;
        }
    }

    /** {% filter name(args) %}...{% endfilter %} */
    static final class FilterBlock extends Node {
        final Node filter;
        final List<Node> body;
        FilterBlock(int pos, Node filter, List<Node> body) { super(pos); this.filter = filter; this.body = body; }
    }

    /** {% macro name(params) %}...{% endmacro %} */
    static final class Macro extends Node {
        final String name;
        final List<String> params;
        final List<Node> defaults; // same length as params, null where there is no default
        final List<Node> body;
        Macro(int pos, String name, List<String> params, List<Node> defaults, List<Node> body) {
            super(pos);
            this.name = name;
            this.params = params;
            this.defaults = defaults;
            this.body = body;
        }
    }

    /** {% break %} or {% continue %} */
    static final class LoopControl extends Node {
        final boolean isBreak;
        LoopControl(int pos, boolean isBreak) { super(pos); this.isBreak = isBreak; }
    }

    // ---- expressions --------------------------------------------------------------------------------

    static final class Literal extends Node {
        final Object value;
        Literal(int pos, Object value) { super(pos); this.value = value; }
    }

    static final class Name extends Node {
        final String name;
        Name(int pos, String name) { super(pos); this.name = name; }
    }

    /** A list or tuple literal. */
    static final class ListLit extends Node {
        final List<Node> items;
        final boolean tuple;
        ListLit(int pos, List<Node> items, boolean tuple) { super(pos, h(items)); this.items = items; this.tuple = tuple; }
    }

    static final class DictLit extends Node {
        final List<Node> keys;
        final List<Node> values;
        DictLit(int pos, List<Node> keys, List<Node> values) { super(pos, h(keys, values)); this.keys = keys; this.values = values; }
    }

    /** obj.name */
    static final class Attr extends Node {
        final Node obj;
        final String name;
        Attr(int pos, Node obj, String name) { super(pos, h(obj)); this.obj = obj; this.name = name; }
    }

    /** obj[index] */
    static final class Item extends Node {
        final Node obj;
        final Node index;
        Item(int pos, Node obj, Node index) { super(pos, h(obj, index)); this.obj = obj; this.index = index; }
    }

    /** obj[start:stop:step], any part may be null. */
    static final class Slice extends Node {
        final Node obj;
        final Node start;
        final Node stop;
        final Node step;
        Slice(int pos, Node obj, Node start, Node stop, Node step) {
            super(pos, h(obj, start, stop, step));
            this.obj = obj;
            this.start = start;
            this.stop = stop;
            this.step = step;
        }
    }

    /** Call arguments: positional, then name=value pairs. */
    static final class Args {
        static final Args NONE = new Args(List.of(), List.of(), List.of());
        final List<Node> positional;
        final List<String> names;
        final List<Node> named;
        Args(List<Node> positional, List<String> names, List<Node> named) {
            this.positional = positional;
            this.names = names;
            this.named = named;
        }
    }

    /** fn(args) */
    static final class Call extends Node {
        final Node fn;
        final Args args;
        Call(int pos, Node fn, Args args) { super(pos, h(fn, args)); this.fn = fn; this.args = args; }
    }

    /** value | name(args) */
    static final class Filter extends Node {
        final Node value; // null inside a filter block/set block: the captured text is used
        final String name;
        final Args args;
        Filter(int pos, Node value, String name, Args args) {
            super(pos, h(value, args));
            this.value = value;
            this.name = name;
            this.args = args;
        }
    }

    /** value is [not] name(args) */
    static final class Test extends Node {
        final Node value;
        final String name;
        final Args args;
        final boolean negated;
        Test(int pos, Node value, String name, Args args, boolean negated) {
            super(pos, h(value, args));
            this.value = value;
            this.name = name;
            this.args = args;
            this.negated = negated;
        }
    }

    /** not x, -x, +x */
    static final class Unary extends Node {
        final String op;
        final Node operand;
        Unary(int pos, String op, Node operand) { super(pos, h(operand)); this.op = op; this.operand = operand; }
    }

    /** Arithmetic, ~, and, or. */
    static final class Binary extends Node {
        final String op;
        final Node left;
        final Node right;
        Binary(int pos, String op, Node left, Node right) {
            super(pos, h(left, right));
            this.op = op;
            this.left = left;
            this.right = right;
        }
    }

    /** Chained comparison a op1 b op2 c (Python semantics: a op1 b and b op2 c). */
    static final class Compare extends Node {
        final Node first;
        final List<String> ops; // ==, !=, <, >, <=, >=, in, notin
        final List<Node> rest;
        Compare(int pos, Node first, List<String> ops, List<Node> rest) {
            super(pos, h(first, rest));
            this.first = first;
            this.ops = ops;
            this.rest = rest;
        }
    }

    /** then if test else orElse (orElse may be null: undefined). */
    static final class Cond extends Node {
        final Node test;
        final Node then;
        final Node orElse;
        Cond(int pos, Node test, Node then, Node orElse) {
            super(pos, h(test, then, orElse));
            this.test = test;
            this.then = then;
            this.orElse = orElse;
        }
    }
}
