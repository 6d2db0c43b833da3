package dev.edgellm.chat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The value model and Python semantics the templates were written against. Values are plain Java objects:
 * {@code null} is Python None, {@link Boolean}, {@link Long} (int), {@link Double} (float), {@link String},
 * {@link List} (list; {@link Tuple} for tuples), {@link Map} with insertion order (dict), plus
 * {@link Undefined}, {@link Namespace} and {@link Callable}. Truthiness, equality, ordering, str()/repr()
 * of floats and containers, arithmetic and json.dumps follow Python so renderings match Jinja2's byte for byte.
 */
final class Values {
    private Values() {}

    /** Jinja's default Undefined: prints as "", is falsy, iterates as empty, fails on any other use. */
    static final class Undefined {
        final String hint;
        final int pos; // where the undefined name was read, so a later misuse points at it; -1 if unknown
        Undefined(String hint) { this(hint, -1); }
        Undefined(String hint, int pos) {
            this.hint = hint;
            this.pos = pos;
        }
        @Override public String toString() { return ""; }
    }

    /** namespace(): the one mutable object, so loops can carry state out ({% set ns.x = ... %}). */
    static final class Namespace {
        final Map<String, Object> attrs = new LinkedHashMap<>();
    }

    /** A Python tuple: a list that prints with parentheses and is not equal to a list. */
    static final class Tuple extends ArrayList<Object> {
        private static final long serialVersionUID = 1L;
        Tuple(Collection<?> items) { super(items); }
    }

    /** Anything a template can call: globals, bound methods, macros, loop.cycle. */
    interface Callable {
        Object call(Interpreter in, List<Object> args, Map<String, Object> kwargs);
    }

    /** A failure without a position; {@link Interpreter} adds the position of the node being evaluated. */
    static final class Fail extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final TemplateException.Kind kind;
        final int pos;
        Fail(TemplateException.Kind kind, String message) { this(kind, message, -1); }
        Fail(TemplateException.Kind kind, String message, int pos) {
            super(message, null, false, false);
            this.kind = kind;
            this.pos = pos;
        }
    }

    /** Marks a dict lookup that found nothing (None is a valid value). */
    static final Object MISSING = new Object();

    /** dict[key] with Python key equality (1 == 1.0 == True); MISSING when absent. */
    static Object dictGet(Map<?, ?> map, Object key) {
        if (map.containsKey(key)) return map.get(key);
        if (isNumber(key)) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (isNumber(e.getKey()) && equal(e.getKey(), key)) return e.getValue();
            }
        }
        return MISSING;
    }

    static Fail fail(String message) { return new Fail(TemplateException.Kind.RUNTIME, message); }

    static Fail undefinedError(Undefined u) { return new Fail(TemplateException.Kind.RUNTIME, u.hint, u.pos); }

    /** A string builder that refuses to grow past a limit (output, captured blocks, str(), tojson). */
    static final class Bounded {
        final StringBuilder sb = new StringBuilder();
        private final int max;
        Bounded(int max) { this.max = max; }
        Bounded append(CharSequence s) {
            if ((long) sb.length() + s.length() > max) throw tooLong(max);
            sb.append(s);
            return this;
        }
        Bounded append(char c) {
            if (sb.length() + 1 > max) throw tooLong(max);
            sb.append(c);
            return this;
        }
        @Override public String toString() { return sb.toString(); }
    }

    static Fail tooLong(int max) {
        return new Fail(TemplateException.Kind.LIMIT, "rendering would exceed " + max + " characters");
    }

    // ---- Python whitespace and stripping ------------------------------------------------------------

    /** Python's str.isspace() for one char (what \s, str.strip() and split() use). */
    static boolean isSpace(char c) {
        switch (c) {
            case ' ': case '\t': case '\n': case '\r': case '\u000b': case '\u000c':
            case '\u001c': case '\u001d': case '\u001e': case '\u001f': case '\u0085': case '\u00a0':
            case '\u1680': case '\u2028': case '\u2029': case '\u202f': case '\u205f': case '\u3000':
                return true;
            default:
                return c >= '\u2000' && c <= '\u200a';
        }
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int a = 0;
        int b = s.length();
        while (left && a < b && stripped(s.charAt(a), chars)) a++;
        while (right && b > a && stripped(s.charAt(b - 1), chars)) b--;
        return s.substring(a, b);
    }

    static String rstrip(String s) { return strip(s, null, false, true); }

    /** n spaces (String.repeat is Java 11, missing on Android API 26). */
    static String spaces(int n) {
        StringBuilder sb = new StringBuilder(Math.max(0, n));
        for (int i = 0; i < n; i++) sb.append(' ');
        return sb.toString();
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    // ---- truthiness, type names ---------------------------------------------------------------------

    static boolean truthy(Object v) {
        if (v == null || v instanceof Undefined) return false;
        if (v instanceof Boolean) return (Boolean) v;
        if (v instanceof Long) return (Long) v != 0;
        if (v instanceof Double) return (Double) v != 0.0;
        if (v instanceof String) return !((String) v).isEmpty();
        if (v instanceof List) return !((List<?>) v).isEmpty();
        if (v instanceof Map) return !((Map<?, ?>) v).isEmpty();
        return true;
    }

    static String typeName(Object v) {
        if (v == null) return "NoneType";
        if (v instanceof Boolean) return "bool";
        if (v instanceof Long) return "int";
        if (v instanceof Double) return "float";
        if (v instanceof String) return "str";
        if (v instanceof Tuple) return "tuple";
        if (v instanceof List) return "list";
        if (v instanceof Map) return "dict";
        if (v instanceof Undefined) return "Undefined";
        if (v instanceof Namespace) return "Namespace";
        if (v instanceof Callable) return "function";
        return v.getClass().getSimpleName();
    }

    static boolean isNumber(Object v) { return v instanceof Long || v instanceof Double || v instanceof Boolean; }

    static boolean isInteger(Object v) { return v instanceof Long || v instanceof Boolean; }

    static long asLong(Object v) { return v instanceof Boolean ? ((Boolean) v ? 1 : 0) : ((Number) v).longValue(); }

    static double asDouble(Object v) { return v instanceof Boolean ? ((Boolean) v ? 1 : 0) : ((Number) v).doubleValue(); }

    // ---- str() and repr() ---------------------------------------------------------------------------

    /** Python str(): what {{ value }} prints. */
    static String str(Object v, int max) {
        if (v instanceof String) return (String) v;
        if (v instanceof Undefined) return "";
        Bounded b = new Bounded(max);
        repr(v, b, 0);
        return b.toString();
    }

    static void repr(Object v, Bounded out, int depth) {
        if (depth > 256) throw new Fail(TemplateException.Kind.LIMIT, "value nests too deeply to print");
        if (v == null) {
            out.append("None");
        } else if (v instanceof Boolean) {
            out.append((Boolean) v ? "True" : "False");
        } else if (v instanceof Long) {
            out.append(v.toString());
        } else if (v instanceof Double) {
            out.append(formatFloat((Double) v));
        } else if (v instanceof String) {
            if (depth == 0) out.append((String) v); else reprString((String) v, out);
        } else if (v instanceof Undefined) {
            out.append("");
        } else if (v instanceof List) {
            boolean tuple = v instanceof Tuple;
            List<?> list = (List<?>) v;
            out.append(tuple ? '(' : '[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) out.append(", ");
                repr(list.get(i), out, depth + 1);
            }
            if (tuple && list.size() == 1) out.append(',');
            out.append(tuple ? ')' : ']');
        } else if (v instanceof Map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) out.append(", ");
                first = false;
                repr(e.getKey(), out, depth + 1);
                out.append(": ");
                repr(e.getValue(), out, depth + 1);
            }
            out.append('}');
        } else if (v instanceof Namespace) {
            out.append("<Namespace ");
            repr(((Namespace) v).attrs, out, depth + 1);
            out.append('>');
        } else {
            out.append("<" + typeName(v) + ">");
        }
    }

    private static void reprString(String s, Bounded out) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder(s.length() + 2).append(q);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == q || c == '\\') sb.append('\\').append(c);
            else if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c == '\t') sb.append("\\t");
            else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
            else sb.append(c);
        }
        out.append(sb.append(q));
    }

    /** Python repr(float): shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
    static String formatFloat(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        String digits = bd.unscaledValue().abs().toString();
        int exp = digits.length() - 1 - bd.scale(); // decimal exponent of the first digit
        StringBuilder sb = new StringBuilder();
        if (d < 0) sb.append('-');
        if (exp >= 16 || exp < -4) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) sb.append('.').append(digits, 1, digits.length());
            sb.append('e').append(exp < 0 ? '-' : '+');
            int ae = Math.abs(exp);
            if (ae < 10) sb.append('0');
            sb.append(ae);
        } else if (exp < 0) {
            sb.append("0.");
            for (int i = -1; i > exp; i--) sb.append('0');
            sb.append(digits);
        } else if (digits.length() <= exp + 1) {
            sb.append(digits);
            for (int i = digits.length(); i <= exp; i++) sb.append('0');
            sb.append(".0");
        } else {
            sb.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
        }
        return sb.toString();
    }

    // ---- equality and ordering ----------------------------------------------------------------------

    static boolean equal(Object a, Object b) { return equal(a, b, 0); }

    private static boolean equal(Object a, Object b, int depth) {
        if (depth > 256) throw new Fail(TemplateException.Kind.LIMIT, "values nest too deeply to compare");
        if (a == b) return true;
        if (a == null || b == null) return false;
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return asDouble(a) == asDouble(b);
            return asLong(a) == asLong(b);
        }
        if (a instanceof String && b instanceof String) return a.equals(b);
        if (a instanceof Undefined || b instanceof Undefined) return a instanceof Undefined && b instanceof Undefined;
        if (a instanceof List && b instanceof List) {
            if ((a instanceof Tuple) != (b instanceof Tuple)) return false;
            List<?> x = (List<?>) a;
            List<?> y = (List<?>) b;
            if (x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!equal(x.get(i), y.get(i), depth + 1)) return false;
            return true;
        }
        if (a instanceof Map && b instanceof Map) {
            Map<?, ?> x = (Map<?, ?>) a;
            Map<?, ?> y = (Map<?, ?>) b;
            if (x.size() != y.size()) return false;
            for (Map.Entry<?, ?> e : x.entrySet()) {
                Object other = dictGet(y, e.getKey());
                if (other == MISSING || !equal(e.getValue(), other, depth + 1)) return false;
            }
            return true;
        }
        return false;
    }

    /** Python ordering for <, >, sort, min, max. */
    static int compare(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) return Double.compare(asDouble(a), asDouble(b));
            return Long.compare(asLong(a), asLong(b));
        }
        if (a instanceof String && b instanceof String) return ((String) a).compareTo((String) b);
        if (a instanceof List && b instanceof List) {
            List<?> x = (List<?>) a;
            List<?> y = (List<?>) b;
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!equal(x.get(i), y.get(i))) return compare(x.get(i), y.get(i));
            }
            return Integer.compare(x.size(), y.size());
        }
        if (a instanceof Undefined) throw undefinedError((Undefined) a);
        if (b instanceof Undefined) throw undefinedError((Undefined) b);
        throw fail("'<' not supported between instances of '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    /** Python "needle in haystack". */
    static boolean contains(Object haystack, Object needle) {
        if (haystack instanceof String) {
            if (!(needle instanceof String)) {
                throw fail("'in <string>' requires string as left operand, not " + typeName(needle));
            }
            return ((String) haystack).contains((String) needle);
        }
        if (haystack instanceof List) {
            for (Object o : (List<?>) haystack) if (equal(o, needle)) return true;
            return false;
        }
        if (haystack instanceof Map) return dictGet((Map<?, ?>) haystack, needle) != MISSING;
        if (haystack instanceof Undefined) return false;
        throw fail("argument of type '" + typeName(haystack) + "' is not iterable");
    }

    /** The items a for-loop visits: list items, dict keys, string characters. */
    static List<Object> iterate(Object v) {
        if (v instanceof List) return new ArrayList<>((List<?>) v);
        if (v instanceof Map) return new ArrayList<>(((Map<?, ?>) v).keySet());
        if (v instanceof String) {
            String s = (String) v;
            List<Object> out = new ArrayList<>(s.length());
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                out.add(new String(Character.toChars(cp)));
                i += Character.charCount(cp);
            }
            return out;
        }
        if (v instanceof Undefined) return new ArrayList<>();
        throw fail("'" + typeName(v) + "' object is not iterable");
    }

    static long length(Object v) {
        if (v instanceof String) return ((String) v).codePointCount(0, ((String) v).length());
        if (v instanceof List) return ((List<?>) v).size();
        if (v instanceof Map) return ((Map<?, ?>) v).size();
        if (v instanceof Undefined) return 0;
        if (v instanceof Namespace) return ((Namespace) v).attrs.size();
        throw fail("object of type '" + typeName(v) + "' has no len()");
    }

    // ---- conversion from Java -----------------------------------------------------------------------

    /** Converts caller-supplied Java values (Integer, Float, arrays, any Map/List, Message) to template values. */
    static Object fromJava(Object v) { return fromJava(v, 0); }

    private static Object fromJava(Object v, int depth) {
        if (depth > 256) throw new IllegalArgumentException("template variable nests too deeply (cycle?)");
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double
                || v instanceof Undefined || v instanceof Namespace || v instanceof Callable) {
            return v;
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof Float) return Double.valueOf(v.toString()); // 0.1f prints as 0.1, as a user expects
        if (v instanceof Number) return ((Number) v).doubleValue();
        if (v instanceof Character || v instanceof CharSequence) return v.toString();
        if (v instanceof Message) {
            Message m = (Message) v;
            Map<Object, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            return map;
        }
        if (v instanceof Map) {
            Map<Object, Object> map = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                map.put(fromJava(e.getKey(), depth + 1), fromJava(e.getValue(), depth + 1));
            }
            return map;
        }
        if (v instanceof Iterable) {
            List<Object> list = new ArrayList<>();
            for (Object o : (Iterable<?>) v) list.add(fromJava(o, depth + 1));
            return list;
        }
        if (v instanceof Object[]) {
            List<Object> list = new ArrayList<>();
            for (Object o : (Object[]) v) list.add(fromJava(o, depth + 1));
            return list;
        }
        throw new IllegalArgumentException("unsupported template variable type: " + v.getClass().getName());
    }
}
