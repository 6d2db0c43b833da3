package dev.edgellm.chat;

import dev.edgellm.chat.Values.Bounded;
import dev.edgellm.chat.Values.Callable;
import dev.edgellm.chat.Values.Fail;
import dev.edgellm.chat.Values.Namespace;
import dev.edgellm.chat.Values.Tuple;
import dev.edgellm.chat.Values.Undefined;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the syntax tree of one render. Scoping follows Jinja2: a for-loop gives every iteration a fresh
 * scope (a {@code set} inside does not survive the iteration, hence {@code namespace()}), {@code if} makes no
 * scope, a macro runs in a scope over the one it was defined in. Counts loop iterations and macro depth and
 * bounds the output, so every render finishes and stays small. Not thread-safe: one instance per render.
 */
final class Interpreter {
    final String src;
    final TemplateOptions options;
    final int maxChars;
    private Bounded out;
    private Frame frame;
    private long iterations;
    private int callDepth;
    private long deadline;

    private static final class Frame {
        final Map<String, Object> vars = new HashMap<>();
        final Frame parent;
        Frame(Frame parent) { this.parent = parent; }
    }

    /** Thrown by {% break %}/{% continue %}; caught by the enclosing loop. */
    private static final class LoopSignal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final boolean isBreak;
        LoopSignal(boolean isBreak) {
            super(null, null, false, false);
            this.isBreak = isBreak;
        }
    }

    Interpreter(String src, TemplateOptions options, Map<String, Object> variables) {
        this.src = src;
        this.options = options;
        this.maxChars = options.maxOutputChars();
        Frame globals = new Frame(null);
        globals.vars.putAll(Builtins.globals());
        this.frame = new Frame(globals);
        this.frame.vars.putAll(variables);
    }

    String render(List<Node> body) {
        out = new Bounded(maxChars);
        deadline = System.nanoTime() + options.maxRenderMillis() * 1_000_000L;
        try {
            execAll(body);
        } catch (StackOverflowError e) {
            // a safety net only: parser nesting and macro depth limits normally stop recursion long before
            throw new TemplateException(TemplateException.Kind.LIMIT, "template recursion is too deep", src, -1);
        } catch (LoopSignal e) {
            throw new TemplateException(TemplateException.Kind.SYNTAX, "break/continue outside a loop", src, -1);
        }
        return out.toString();
    }

    // ---- statements ---------------------------------------------------------------------------------

    private void execAll(List<Node> body) {
        for (Node n : body) exec(n);
    }

    private void exec(Node n) {
        try {
            if (n instanceof Node.Text) {
                out.append(((Node.Text) n).text);
            } else if (n instanceof Node.Emit) {
                out.append(Values.str(eval(((Node.Emit) n).expr), maxChars));
            } else if (n instanceof Node.If) {
                execIf((Node.If) n);
            } else if (n instanceof Node.For) {
                execFor((Node.For) n);
            } else if (n instanceof Node.Set) {
                execSet((Node.Set) n);
            } else if (n instanceof Node.SetBlock) {
                Node.SetBlock s = (Node.SetBlock) n;
                Object text = capture(s.body);
                if (s.filter != null) text = applyFilter((Node.Filter) s.filter, text);
                frame.vars.put(s.target, text);
            } else if (n instanceof Node.FilterBlock) {
                Node.FilterBlock f = (Node.FilterBlock) n;
                out.append(Values.str(applyFilter((Node.Filter) f.filter, capture(f.body)), maxChars));
            } else if (n instanceof Node.Macro) {
                Node.Macro m = (Node.Macro) n;
                frame.vars.put(m.name, new MacroFn(m, frame));
            } else if (n instanceof Node.LoopControl) {
                throw new LoopSignal(((Node.LoopControl) n).isBreak);
            } else {
                throw new IllegalStateException("not a statement: " + n.getClass().getSimpleName());
            }
        } catch (Fail f) {
            throw new TemplateException(f.kind, f.getMessage(), src, f.pos >= 0 ? f.pos : n.pos);
        }
    }

    private void execIf(Node.If n) {
        for (int k = 0; k < n.conditions.size(); k++) {
            if (Values.truthy(eval(n.conditions.get(k)))) {
                execAll(n.bodies.get(k));
                return;
            }
        }
        execAll(n.orElse);
    }

    private void execFor(Node.For n) {
        List<Object> items = Values.iterate(eval(n.iter));
        if (n.filter != null) {
            List<Object> kept = new ArrayList<>();
            Frame saved = frame;
            try {
                for (Object item : items) {
                    countIteration();
                    frame = new Frame(saved);
                    bind(n.targets, item);
                    if (Values.truthy(eval(n.filter))) kept.add(item);
                }
            } finally {
                frame = saved;
            }
            items = kept;
        }
        if (items.isEmpty()) {
            execAll(n.orElse);
            return;
        }
        LoopInfo loop = new LoopInfo(items);
        Frame saved = frame;
        try {
            for (int k = 0; k < items.size(); k++) {
                countIteration();
                loop.index = k;
                frame = new Frame(saved);
                bind(n.targets, items.get(k));
                frame.vars.put("loop", loop);
                try {
                    execAll(n.body);
                } catch (LoopSignal s) {
                    if (s.isBreak) break;
                }
            }
        } finally {
            frame = saved;
        }
    }

    /** One loop iteration or macro call: counted, and the time budget checked. */
    void countIteration() {
        if (++iterations > options.maxLoopIterations()) {
            throw new Fail(TemplateException.Kind.LIMIT,
                    "template ran more than " + options.maxLoopIterations() + " loop iterations and macro calls");
        }
        checkTime();
    }

    /** Called per loop step, macro call and filter call, so no render outlives its time budget by much. */
    void checkTime() {
        if (deadline != 0 && System.nanoTime() - deadline > 0) {
            throw new Fail(TemplateException.Kind.LIMIT,
                    "template rendering took longer than " + options.maxRenderMillis() + " ms");
        }
    }

    private void bind(List<String> targets, Object value) {
        if (targets.size() == 1) {
            frame.vars.put(targets.get(0), value);
            return;
        }
        if (!(value instanceof List)) {
            throw Values.fail("cannot unpack non-iterable " + Values.typeName(value) + " object");
        }
        List<?> parts = (List<?>) value;
        if (parts.size() != targets.size()) {
            throw Values.fail((parts.size() > targets.size() ? "too many" : "not enough")
                    + " values to unpack (expected " + targets.size() + ", got " + parts.size() + ")");
        }
        for (int k = 0; k < parts.size(); k++) frame.vars.put(targets.get(k), parts.get(k));
    }

    private void execSet(Node.Set n) {
        Object value = eval(n.value);
        if (n.namespace != null) {
            Object ns = eval(n.namespace);
            if (!(ns instanceof Namespace)) {
                throw Values.fail("cannot assign attribute on non-namespace object '" + Values.typeName(ns) + "'");
            }
            ((Namespace) ns).attrs.put(n.attribute, value);
        } else {
            bind(n.targets, value);
        }
    }

    /** Renders a body into a string instead of the output. */
    private String capture(List<Node> body) {
        Bounded saved = out;
        out = new Bounded(maxChars);
        try {
            execAll(body);
            return out.toString();
        } finally {
            out = saved;
        }
    }

    // ---- expressions --------------------------------------------------------------------------------

    Object eval(Node n) {
        try {
            return evalInner(n);
        } catch (Fail f) {
            throw new TemplateException(f.kind, f.getMessage(), src, f.pos >= 0 ? f.pos : n.pos);
        } catch (TemplateException | LoopSignal e) {
            throw e;
        } catch (RuntimeException e) {
            // a bug or an unexpected value type: still report it as a template error with a position
            throw new TemplateException(TemplateException.Kind.RUNTIME, "cannot evaluate: " + e, src, n.pos, e);
        }
    }

    private Object evalInner(Node n) {
        if (n instanceof Node.Literal) return ((Node.Literal) n).value;
        if (n instanceof Node.Name) return lookup(((Node.Name) n).name, n.pos);
        if (n instanceof Node.Attr) {
            Node.Attr a = (Node.Attr) n;
            return Builtins.getAttr(eval(a.obj), a.name);
        }
        if (n instanceof Node.Item) {
            Node.Item it = (Node.Item) n;
            return Builtins.getItem(eval(it.obj), eval(it.index));
        }
        if (n instanceof Node.Binary) return binary((Node.Binary) n);
        if (n instanceof Node.Compare) return compare((Node.Compare) n);
        if (n instanceof Node.Filter) return applyFilter((Node.Filter) n, null);
        if (n instanceof Node.Test) {
            Node.Test t = (Node.Test) n;
            Object value = eval(t.value);
            boolean r = Filters.test(this, t.name, value, evalArgs(t.args.positional), evalKwargs(t.args));
            return r != t.negated;
        }
        if (n instanceof Node.Call) return call((Node.Call) n);
        if (n instanceof Node.Unary) {
            Node.Unary u = (Node.Unary) n;
            Object v = eval(u.operand);
            if (u.op.equals("not")) return !Values.truthy(v);
            if (u.op.equals("-")) return Ops.negate(v);
            if (!Values.isNumber(v)) throw Values.fail("bad operand type for unary +: '" + Values.typeName(v) + "'");
            return v instanceof Boolean ? (Object) Values.asLong(v) : v;
        }
        if (n instanceof Node.Cond) {
            Node.Cond c = (Node.Cond) n;
            if (Values.truthy(eval(c.test))) return eval(c.then);
            return c.orElse == null ? new Undefined("the inline if-expression has no else branch") : eval(c.orElse);
        }
        if (n instanceof Node.ListLit) {
            Node.ListLit l = (Node.ListLit) n;
            List<Object> items = evalArgs(l.items);
            return l.tuple ? new Tuple(items) : items;
        }
        if (n instanceof Node.DictLit) {
            Node.DictLit d = (Node.DictLit) n;
            Map<Object, Object> map = new LinkedHashMap<>();
            for (int k = 0; k < d.keys.size(); k++) map.put(eval(d.keys.get(k)), eval(d.values.get(k)));
            return map;
        }
        if (n instanceof Node.Slice) {
            Node.Slice s = (Node.Slice) n;
            Object obj = eval(s.obj);
            return Builtins.slice(obj, s.start == null ? null : eval(s.start), s.stop == null ? null : eval(s.stop),
                    s.step == null ? null : eval(s.step));
        }
        throw new IllegalStateException("not an expression: " + n.getClass().getSimpleName());
    }

    private Object lookup(String name, int pos) {
        for (Frame f = frame; f != null; f = f.parent) {
            Object v = f.vars.get(name);
            if (v != null || f.vars.containsKey(name)) return v;
        }
        return new Undefined("'" + name + "' is undefined", pos);
    }

    private Object binary(Node.Binary b) {
        switch (b.op) {
            case "and": {
                Object l = eval(b.left);
                return Values.truthy(l) ? eval(b.right) : l;
            }
            case "or": {
                Object l = eval(b.left);
                return Values.truthy(l) ? l : eval(b.right);
            }
            default:
                break;
        }
        Object l = eval(b.left);
        Object r = eval(b.right);
        switch (b.op) {
            case "+": return Ops.add(l, r, maxChars);
            case "-": return Ops.sub(l, r);
            case "*": return Ops.mul(l, r, maxChars);
            case "/": return Ops.div(l, r);
            case "//": return Ops.floorDiv(l, r);
            case "%": return Ops.mod(l, r, maxChars);
            case "**": return Ops.pow(l, r);
            case "~": {
                String x = Values.str(l, maxChars);
                String y = Values.str(r, maxChars);
                if ((long) x.length() + y.length() > maxChars) throw Values.tooLong(maxChars);
                return x.concat(y);
            }
            default: throw new IllegalStateException(b.op);
        }
    }

    private Object compare(Node.Compare c) {
        Object left = eval(c.first);
        for (int k = 0; k < c.ops.size(); k++) {
            Object right = eval(c.rest.get(k));
            boolean ok;
            switch (c.ops.get(k)) {
                case "==": ok = Values.equal(left, right); break;
                case "!=": ok = !Values.equal(left, right); break;
                case "<": ok = Values.compare(left, right) < 0; break;
                case ">": ok = Values.compare(left, right) > 0; break;
                case "<=": ok = Values.compare(left, right) <= 0; break;
                case ">=": ok = Values.compare(left, right) >= 0; break;
                case "in": ok = Values.contains(right, left); break;
                case "notin": ok = !Values.contains(right, left); break;
                default: throw new IllegalStateException(c.ops.get(k));
            }
            if (!ok) return false;
            left = right;
        }
        return true;
    }

    private Object call(Node.Call c) {
        Object fn = eval(c.fn);
        List<Object> args = evalArgs(c.args.positional);
        Map<String, Object> kwargs = evalKwargs(c.args);
        if (fn instanceof Callable) return ((Callable) fn).call(this, args, kwargs);
        if (fn instanceof Undefined) throw Values.undefinedError((Undefined) fn);
        throw Values.fail("'" + Values.typeName(fn) + "' object is not callable");
    }

    /** Applies a filter node; {@code base} stands in for the innermost missing value (filter/set blocks). */
    private Object applyFilter(Node.Filter f, Object base) {
        Object input;
        if (f.value == null) input = base;
        else if (f.value instanceof Node.Filter && base != null) input = applyFilter((Node.Filter) f.value, base);
        else input = eval(f.value);
        try {
            checkTime();
            return Filters.filter(this, f.name, input, evalArgs(f.args.positional), evalKwargs(f.args));
        } catch (Fail fail) {
            throw new TemplateException(fail.kind, fail.getMessage(), src, fail.pos >= 0 ? fail.pos : f.pos);
        }
    }

    private List<Object> evalArgs(List<Node> nodes) {
        List<Object> values = new ArrayList<>(nodes.size());
        for (Node a : nodes) values.add(eval(a));
        return values;
    }

    private Map<String, Object> evalKwargs(Node.Args args) {
        if (args.names.isEmpty()) return Map.of();
        Map<String, Object> kw = new LinkedHashMap<>();
        for (int k = 0; k < args.names.size(); k++) kw.put(args.names.get(k), eval(args.named.get(k)));
        return kw;
    }

    // ---- runtime objects ----------------------------------------------------------------------------

    /** The {@code loop} variable. */
    static final class LoopInfo {
        final List<Object> items;
        int index;

        LoopInfo(List<Object> items) { this.items = items; }

        Object attr(String name) {
            int n = items.size();
            switch (name) {
                case "index": return (long) index + 1;
                case "index0": return (long) index;
                case "revindex": return (long) (n - index);
                case "revindex0": return (long) (n - index - 1);
                case "first": return index == 0;
                case "last": return index == n - 1;
                case "length": return (long) n;
                case "depth": return 1L;
                case "depth0": return 0L;
                case "previtem":
                    return index > 0 ? items.get(index - 1) : new Undefined("there is no previous item");
                case "nextitem":
                    return index < n - 1 ? items.get(index + 1) : new Undefined("there is no next item");
                case "cycle":
                    return (Callable) (in, args, kwargs) -> {
                        if (args.isEmpty()) throw Values.fail("no items for cycling given");
                        return args.get(index % args.size());
                    };
                default:
                    return new Undefined("'loop' has no attribute '" + name + "'");
            }
        }
    }

    /** A {% macro %}: renders its body with the arguments bound and returns the text. */
    private static final class MacroFn implements Callable {
        final Node.Macro node;
        final Frame closure;

        MacroFn(Node.Macro node, Frame closure) {
            this.node = node;
            this.closure = closure;
        }

        @Override
        public Object call(Interpreter in, List<Object> args, Map<String, Object> kwargs) {
            if (args.size() > node.params.size()) {
                throw Values.fail("macro '" + node.name + "' takes not more than " + node.params.size()
                        + " argument(s)");
            }
            for (String k : kwargs.keySet()) {
                if (!node.params.contains(k)) throw Values.fail("macro '" + node.name + "' has no argument '" + k + "'");
            }
            in.countIteration();
            if (++in.callDepth > in.options.maxCallDepth()) {
                in.callDepth--;
                throw new Fail(TemplateException.Kind.LIMIT,
                        "macro calls nest deeper than " + in.options.maxCallDepth() + " (runaway recursion?)");
            }
            Frame saved = in.frame;
            in.frame = new Frame(closure);
            try {
                for (int k = 0; k < node.params.size(); k++) {
                    String p = node.params.get(k);
                    Object v;
                    if (k < args.size()) v = args.get(k);
                    else if (kwargs.containsKey(p)) v = kwargs.get(p);
                    else if (node.defaults.get(k) != null) v = in.eval(node.defaults.get(k));
                    else v = new Undefined("parameter '" + p + "' was not provided");
                    in.frame.vars.put(p, v);
                }
                return in.capture(node.body);
            } finally {
                in.frame = saved;
                in.callDepth--;
            }
        }
    }
}
