package dev.edgellm.chat;

import dev.edgellm.chat.Values.Bounded;
import dev.edgellm.chat.Values.Tuple;
import dev.edgellm.chat.Values.Undefined;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static dev.edgellm.chat.Values.asDouble;
import static dev.edgellm.chat.Values.asLong;
import static dev.edgellm.chat.Values.fail;
import static dev.edgellm.chat.Values.isInteger;
import static dev.edgellm.chat.Values.isNumber;
import static dev.edgellm.chat.Values.typeName;

/**
 * Python operators (int overflow is an error here where Python would use a big int), json.dumps as Hugging
 * Face's tojson calls it, and the two string formatting mini-languages ({@code '%s' % x}, {@code '{}'.format}).
 * Every result that can grow is checked against the output limit before it is built.
 */
final class Ops {
    private Ops() {}

    static Object add(Object a, Object b, int max) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return asDouble(a) + asDouble(b);
            try {
                return Math.addExact(asLong(a), asLong(b));
            } catch (ArithmeticException e) {
                throw overflow();
            }
        }
        if (a instanceof String && b instanceof String) {
            String x = (String) a;
            String y = (String) b;
            if ((long) x.length() + y.length() > max) throw Values.tooLong(max);
            return x.concat(y);
        }
        if (a instanceof List && b instanceof List) {
            List<?> x = (List<?>) a;
            List<?> y = (List<?>) b;
            if ((long) x.size() + y.size() > max) throw Values.tooLong(max);
            List<Object> out = new ArrayList<>(x);
            out.addAll(y);
            return a instanceof Tuple && b instanceof Tuple ? new Tuple(out) : out;
        }
        checkDefined(a, b);
        if (a instanceof String || a instanceof List) {
            throw fail("can only concatenate " + typeName(a) + " (not \"" + typeName(b) + "\") to " + typeName(a));
        }
        throw unsupported("+", a, b);
    }

    static Object sub(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return asDouble(a) - asDouble(b);
            try {
                return Math.subtractExact(asLong(a), asLong(b));
            } catch (ArithmeticException e) {
                throw overflow();
            }
        }
        checkDefined(a, b);
        throw unsupported("-", a, b);
    }

    static Object mul(Object a, Object b, int max) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return asDouble(a) * asDouble(b);
            try {
                return Math.multiplyExact(asLong(a), asLong(b));
            } catch (ArithmeticException e) {
                throw overflow();
            }
        }
        if (isInteger(a) && (b instanceof String || b instanceof List)) return mul(b, a, max);
        if ((a instanceof String || a instanceof List) && isInteger(b)) {
            long n = Math.max(0, asLong(b));
            long size = a instanceof String ? ((String) a).length() : ((List<?>) a).size();
            if (size * n > max || (size > 0 && n > max)) throw Values.tooLong(max);
            if (a instanceof String) {
                StringBuilder sb = new StringBuilder();
                for (long i = 0; i < n; i++) sb.append((String) a);
                return sb.toString();
            }
            List<Object> out = new ArrayList<>();
            for (long i = 0; i < n; i++) out.addAll((List<?>) a);
            return a instanceof Tuple ? new Tuple(out) : out;
        }
        checkDefined(a, b);
        throw unsupported("*", a, b);
    }

    static Object div(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            double y = asDouble(b);
            if (y == 0) throw fail("division by zero");
            return asDouble(a) / y;
        }
        checkDefined(a, b);
        throw unsupported("/", a, b);
    }

    static Object floorDiv(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                double y = asDouble(b);
                if (y == 0) throw fail("float floor division by zero");
                return Math.floor(asDouble(a) / y);
            }
            long y = asLong(b);
            if (y == 0) throw fail("integer division or modulo by zero");
            if (asLong(a) == Long.MIN_VALUE && y == -1) throw overflow();
            return Math.floorDiv(asLong(a), y);
        }
        checkDefined(a, b);
        throw unsupported("//", a, b);
    }

    static Object mod(Object a, Object b, int max) {
        if (a instanceof String) return percentFormat((String) a, b, max);
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                double x = asDouble(a);
                double y = asDouble(b);
                if (y == 0) throw fail("float modulo");
                return x - y * Math.floor(x / y);
            }
            long y = asLong(b);
            if (y == 0) throw fail("integer division or modulo by zero");
            return Math.floorMod(asLong(a), y);
        }
        checkDefined(a, b);
        throw unsupported("%", a, b);
    }

    static Object pow(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double || asLong(b) < 0) {
                return Math.pow(asDouble(a), asDouble(b));
            }
            long base = asLong(a);
            long e = asLong(b);
            long result = 1;
            try {
                // square-and-multiply: at most 64 steps, overflow is an error
                while (e > 0) {
                    if ((e & 1) != 0) result = Math.multiplyExact(result, base);
                    e >>= 1;
                    if (e > 0) base = Math.multiplyExact(base, base);
                }
            } catch (ArithmeticException ex) {
                throw overflow();
            }
            return result;
        }
        checkDefined(a, b);
        throw unsupported("**", a, b);
    }

    static Object negate(Object a) {
        if (a instanceof Double) return -(Double) a;
        if (isInteger(a)) {
            if (asLong(a) == Long.MIN_VALUE) throw overflow();
            return -asLong(a);
        }
        checkDefined(a, a);
        throw fail("bad operand type for unary -: '" + typeName(a) + "'");
    }

    private static void checkDefined(Object a, Object b) {
        if (a instanceof Undefined) throw Values.undefinedError((Undefined) a);
        if (b instanceof Undefined) throw Values.undefinedError((Undefined) b);
    }

    private static Values.Fail unsupported(String op, Object a, Object b) {
        return fail("unsupported operand type(s) for " + op + ": '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    private static Values.Fail overflow() {
        return fail("integer overflow (values beyond 64 bits are not supported)");
    }

    // ---- json.dumps -----------------------------------------------------------------------------------

    /** Python json.dumps(v, ensure_ascii, indent, separators, sort_keys); indent null means one line. */
    static String toJson(Object v, String indent, String itemSep, String keySep, boolean sortKeys,
                         boolean ensureAscii, int max) {
        if (itemSep == null) itemSep = indent == null ? ", " : ",";
        if (keySep == null) keySep = ": ";
        Bounded out = new Bounded(max);
        json(v, out, indent, itemSep, keySep, sortKeys, ensureAscii, 0);
        return out.toString();
    }

    private static void json(Object v, Bounded out, String indent, String itemSep, String keySep,
                             boolean sortKeys, boolean ascii, int depth) {
        if (depth > 256) throw new Values.Fail(TemplateException.Kind.LIMIT, "value nests too deeply for tojson");
        if (v == null) {
            out.append("null");
        } else if (v instanceof Boolean) {
            out.append((Boolean) v ? "true" : "false");
        } else if (v instanceof Long) {
            out.append(v.toString());
        } else if (v instanceof Double) {
            double d = (Double) v;
            out.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
                    : Values.formatFloat(d));
        } else if (v instanceof String) {
            jsonString((String) v, out, ascii);
        } else if (v instanceof List) {
            List<?> list = (List<?>) v;
            if (list.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) out.append(itemSep);
                newline(out, indent, depth + 1);
                json(list.get(i), out, indent, itemSep, keySep, sortKeys, ascii, depth + 1);
            }
            newline(out, indent, depth);
            out.append(']');
        } else if (v instanceof Map) {
            Map<?, ?> map = (Map<?, ?>) v;
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            Map<String, Object> entries = sortKeys ? new TreeMap<>() : new java.util.LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) entries.put(jsonKey(e.getKey()), e.getValue());
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : entries.entrySet()) {
                if (!first) out.append(itemSep);
                first = false;
                newline(out, indent, depth + 1);
                jsonString(e.getKey(), out, ascii);
                out.append(keySep);
                json(e.getValue(), out, indent, itemSep, keySep, sortKeys, ascii, depth + 1);
            }
            newline(out, indent, depth);
            out.append('}');
        } else if (v instanceof Values.Namespace) {
            json(((Values.Namespace) v).attrs, out, indent, itemSep, keySep, sortKeys, ascii, depth);
        } else {
            throw fail("Object of type " + typeName(v) + " is not JSON serializable");
        }
    }

    private static String jsonKey(Object k) {
        if (k instanceof String) return (String) k;
        if (k == null) return "null";
        if (k instanceof Boolean) return (Boolean) k ? "true" : "false";
        if (k instanceof Long) return k.toString();
        if (k instanceof Double) return Values.formatFloat((Double) k);
        throw fail("keys must be str, int, float, bool or None, not " + typeName(k));
    }

    private static void newline(Bounded out, String indent, int depth) {
        if (indent == null) return;
        out.append('\n');
        for (int i = 0; i < depth; i++) out.append(indent);
    }

    private static void jsonString(String s, Bounded out, boolean ascii) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                case '\b': sb.append("\\b"); break;
                case '\f': sb.append("\\f"); break;
                default:
                    if (c < 0x20 || (ascii && c > 0x7e)) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
            }
        }
        out.append(sb.append('"'));
    }

    // ---- '%s' % args ----------------------------------------------------------------------------------

    static String percentFormat(String fmt, Object args, int max) {
        List<?> positional = args instanceof Tuple ? (List<?>) args : java.util.Collections.singletonList(args);
        Map<?, ?> named = args instanceof Map ? (Map<?, ?>) args : null;
        Bounded out = new Bounded(max);
        int next = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            int j = i + 1;
            if (j < fmt.length() && fmt.charAt(j) == '%') {
                out.append('%');
                i = j;
                continue;
            }
            Object arg;
            if (j < fmt.length() && fmt.charAt(j) == '(' && named != null) {
                int close = fmt.indexOf(')', j);
                if (close < 0) throw fail("incomplete format key");
                arg = Values.dictGet(named, fmt.substring(j + 1, close));
                if (arg == Values.MISSING) throw fail("format key not found: " + fmt.substring(j + 1, close));
                j = close + 1;
            } else {
                if (next >= positional.size()) throw fail("not enough arguments for format string");
                arg = positional.get(next++);
            }
            int specStart = j;
            while (j < fmt.length() && "-+ #0123456789.".indexOf(fmt.charAt(j)) >= 0) j++;
            if (j >= fmt.length()) throw fail("incomplete format");
            String spec = fmt.substring(specStart, j);
            out.append(formatOne(spec, fmt.charAt(j), arg, max));
            i = j;
        }
        if (named == null && next < positional.size()) {
            throw fail("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    /** One printf-style conversion; spec holds flags, width and precision. */
    private static String formatOne(String spec, char conv, Object arg, int max) {
        String javaSpec = spec.replace("#", "");
        switch (conv) {
            case 's': return pad(Values.str(arg, max), spec);
            case 'r': {
                Bounded b = new Bounded(max);
                Values.repr(arg, b, 1);
                return pad(b.toString(), spec);
            }
            case 'd': case 'i': case 'u':
                if (!isNumber(arg)) throw fail("%" + conv + " format: a number is required, not " + typeName(arg));
                return String.format(Locale.ROOT, "%" + javaSpec.replaceAll("\\.\\d*", "") + "d",
                        arg instanceof Double ? (long) (double) (Double) arg : asLong(arg));
            case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
                if (!isNumber(arg)) throw fail("%" + conv + " format: a number is required, not " + typeName(arg));
                return String.format(Locale.ROOT, "%" + javaSpec + conv, asDouble(arg));
            case 'x': case 'X': case 'o':
                if (!isInteger(arg)) throw fail("%" + conv + " format: an integer is required, not " + typeName(arg));
                return String.format(Locale.ROOT, "%" + javaSpec + conv, asLong(arg));
            case 'c':
                return isInteger(arg) ? new String(Character.toChars((int) asLong(arg))) : Values.str(arg, max);
            default:
                throw fail("unsupported format character '" + conv + "'");
        }
    }

    private static String pad(String s, String spec) {
        String w = spec.replaceAll("[^0-9.]", "");
        int dot = w.indexOf('.');
        if (dot >= 0) {
            String p = w.substring(dot + 1);
            if (!p.isEmpty() && Integer.parseInt(p) < s.length()) s = s.substring(0, Integer.parseInt(p));
            w = w.substring(0, dot);
        }
        if (w.isEmpty()) return s;
        int width = Math.min(Integer.parseInt(w), 1 << 20);
        StringBuilder sb = new StringBuilder();
        boolean left = spec.indexOf('-') >= 0;
        if (left) sb.append(s);
        for (int i = s.length(); i < width; i++) sb.append(' ');
        if (!left) sb.append(s);
        return sb.toString();
    }

    // ---- '{}'.format(...) -----------------------------------------------------------------------------

    static String strFormat(String fmt, List<Object> args, Map<String, Object> kwargs, int max) {
        Bounded out = new Bounded(max);
        int auto = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c == '{') {
                if (i + 1 < fmt.length() && fmt.charAt(i + 1) == '{') {
                    out.append('{');
                    i++;
                    continue;
                }
                int close = fmt.indexOf('}', i);
                if (close < 0) throw fail("Single '{' encountered in format string");
                String field = fmt.substring(i + 1, close);
                String spec = "";
                int colon = field.indexOf(':');
                if (colon >= 0) {
                    spec = field.substring(colon + 1);
                    field = field.substring(0, colon);
                }
                Object arg;
                if (field.isEmpty()) {
                    if (auto >= args.size()) throw fail("Replacement index " + auto + " out of range");
                    arg = args.get(auto++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    int idx = Integer.parseInt(field);
                    if (idx >= args.size()) throw fail("Replacement index " + idx + " out of range");
                    arg = args.get(idx);
                } else {
                    if (!kwargs.containsKey(field)) throw fail("format key '" + field + "' not found");
                    arg = kwargs.get(field);
                }
                out.append(formatSpec(arg, spec, max));
                i = close;
            } else if (c == '}') {
                if (i + 1 < fmt.length() && fmt.charAt(i + 1) == '}') i++;
                out.append('}');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** The common part of Python's format spec: [[fill]align][width][.precision][type]. */
    private static String formatSpec(Object arg, String spec, int max) {
        if (spec.isEmpty()) return Values.str(arg, max);
        int p = 0;
        char fill = ' ';
        char align = 0;
        if (spec.length() >= 2 && "<>^".indexOf(spec.charAt(1)) >= 0) {
            fill = spec.charAt(0);
            align = spec.charAt(1);
            p = 2;
        } else if ("<>^".indexOf(spec.charAt(0)) >= 0) {
            align = spec.charAt(0);
            p = 1;
        }
        int q = p;
        while (q < spec.length() && Character.isDigit(spec.charAt(q))) q++;
        int width = q > p ? Math.min(Integer.parseInt(spec.substring(p, q)), 1 << 20) : 0;
        int precision = -1;
        if (q < spec.length() && spec.charAt(q) == '.') {
            int r = ++q;
            while (q < spec.length() && Character.isDigit(spec.charAt(q))) q++;
            precision = Integer.parseInt(spec.substring(r, q));
        }
        char type = q < spec.length() ? spec.charAt(q) : 0;
        String s;
        if (type == 'f' || type == 'F' || (type == 0 && precision >= 0 && isNumber(arg))) {
            s = String.format(Locale.ROOT, "%." + (precision < 0 ? 6 : precision) + "f", asDouble(arg));
        } else if (type == 'd') {
            s = Long.toString(asLong(arg));
        } else {
            s = Values.str(arg, max);
            if (precision >= 0 && s.length() > precision) s = s.substring(0, precision);
        }
        if (align == 0) align = isNumber(arg) ? '>' : '<';
        int padding = Math.max(0, width - s.length());
        StringBuilder sb = new StringBuilder();
        int left = align == '>' ? padding : align == '^' ? padding / 2 : 0;
        for (int i = 0; i < left; i++) sb.append(fill);
        sb.append(s);
        for (int i = 0; i < padding - left; i++) sb.append(fill);
        return sb.toString();
    }
}
