package dev.edgellm.chat;

import dev.edgellm.chat.Values.Bounded;
import dev.edgellm.chat.Values.Callable;
import dev.edgellm.chat.Values.Tuple;
import dev.edgellm.chat.Values.Undefined;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.edgellm.chat.Values.fail;
import static dev.edgellm.chat.Values.str;
import static dev.edgellm.chat.Values.typeName;

/**
 * Jinja filters ({@code value|name(args)}) and tests ({@code value is name(args)}) used by chat templates,
 * with Jinja2's argument names and defaults. {@code tojson} is Hugging Face's override (no HTML escaping,
 * {@code ensure_ascii=False}), which is what their templates are rendered with.
 */
final class Filters {
    private Filters() {}

    static Object filter(Interpreter in, String name, Object v, List<Object> args, Map<String, Object> kw) {
        Params p = new Params(name, args, kw);
        int max = in.maxChars;
        switch (name) {
            case "trim": {
                Object chars = p.get(0, "chars", null);
                return Values.strip(str(v, max), chars == null ? null : str(chars, max), true, true);
            }
            case "length": case "count": return Values.length(v);
            case "upper": return str(v, max).toUpperCase(Locale.ROOT);
            case "lower": return str(v, max).toLowerCase(Locale.ROOT);
            case "capitalize": return capitalize(str(v, max));
            case "title": return jinjaTitle(str(v, max));
            case "string": return str(v, max);
            case "safe": case "forceescape": return v instanceof String ? v : str(v, max);
            case "escape": case "e": return escape(str(v, max));
            case "default": case "d": {
                Object dflt = p.get(0, "default_value", "");
                boolean bool = Values.truthy(p.get(1, "boolean", false));
                return v instanceof Undefined || (bool && !Values.truthy(v)) ? dflt : v;
            }
            case "tojson": {
                Object indent = p.get(1, "indent", null);
                Object seps = p.get(2, "separators", null);
                String indentStr = indent == null ? null : indent instanceof String ? (String) indent
                        : Values.spaces((int) Math.max(0, Math.min(Values.asLong(indent), 64)));
                String itemSep = null;
                String keySep = null;
                if (seps instanceof List && ((List<?>) seps).size() == 2) {
                    itemSep = str(((List<?>) seps).get(0), max);
                    keySep = str(((List<?>) seps).get(1), max);
                }
                return Ops.toJson(v, indentStr, itemSep, keySep, Values.truthy(p.get(3, "sort_keys", false)),
                        Values.truthy(p.get(0, "ensure_ascii", false)), max);
            }
            case "join": return join(in, v, str(p.get(0, "d", ""), max), (String) p.get(1, "attribute", null));
            case "first": {
                List<Object> items = Values.iterate(v);
                return items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.get(0);
            }
            case "last": {
                List<Object> items = Values.iterate(v);
                return items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.get(items.size() - 1);
            }
            case "replace": {
                Object count = p.get(2, "count", null);
                return replace(in, str(v, max), p.get(0, "old", null), p.get(1, "new", null),
                        count == null ? -1 : Values.asLong(count));
            }
            case "int": return toInt(v, p.get(0, "default", 0L), Values.asLong(p.get(1, "base", 10L)));
            case "float": return toFloat(v, p.get(0, "default", 0.0));
            case "abs":
                if (v instanceof Double) return Math.abs((Double) v);
                if (Values.isInteger(v)) return Math.abs(Values.asLong(v));
                throw fail("bad operand type for abs(): '" + typeName(v) + "'");
            case "round": return round(v, Values.asLong(p.get(0, "precision", 0L)), str(p.get(1, "method", "common"), max));
            case "items": {
                if (v instanceof Undefined) return new ArrayList<>();
                if (!(v instanceof Map)) throw fail("can only get item pairs from a mapping");
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) out.add(new Tuple(Arrays.asList(e.getKey(), e.getValue())));
                return out;
            }
            case "list": return Values.iterate(v);
            case "unique": {
                List<Object> out = new ArrayList<>();
                for (Object o : Values.iterate(v)) {
                    boolean seen = false;
                    for (Object u : out) seen |= Values.equal(u, o);
                    if (!seen) out.add(o);
                }
                return out;
            }
            case "reverse": {
                if (v instanceof String) return new StringBuilder((String) v).reverse().toString();
                List<Object> items = Values.iterate(v);
                Collections.reverse(items);
                return items;
            }
            case "sort": {
                List<Object> items = Values.iterate(v);
                Object attribute = p.get(2, "attribute", null);
                boolean cs = Values.truthy(p.get(1, "case_sensitive", false));
                items.sort(ordering(attribute, cs));
                if (Values.truthy(p.get(0, "reverse", false))) Collections.reverse(items);
                return items;
            }
            case "dictsort": {
                if (!(v instanceof Map)) throw fail("dictsort expects a mapping, got " + typeName(v));
                List<Object> items = new ArrayList<>();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) items.add(new Tuple(Arrays.asList(e.getKey(), e.getValue())));
                boolean byValue = "value".equals(p.get(1, "by", "key"));
                boolean cs = Values.truthy(p.get(0, "case_sensitive", false));
                Comparator<Object> c = ordering(null, cs);
                items.sort((a, b) -> c.compare(((List<?>) a).get(byValue ? 1 : 0), ((List<?>) b).get(byValue ? 1 : 0)));
                if (Values.truthy(p.get(2, "reverse", false))) Collections.reverse(items);
                return items;
            }
            case "sum": {
                Object attribute = p.get(0, "attribute", null);
                Object total = p.get(1, "start", 0L);
                for (Object o : Values.iterate(v)) total = Ops.add(total, attribute == null ? o : path(o, attribute), max);
                return total;
            }
            case "min": case "max": {
                List<Object> items = Values.iterate(v);
                if (items.isEmpty()) return new Undefined("No aggregated item, sequence was empty.");
                Comparator<Object> c = ordering(p.get(1, "attribute", null), Values.truthy(p.get(0, "case_sensitive", false)));
                return name.equals("min") ? Collections.min(items, c) : Collections.max(items, c);
            }
            case "selectattr": case "rejectattr": case "select": case "reject": {
                boolean attr = name.endsWith("attr");
                boolean keep = name.startsWith("select");
                Object attribute = attr ? p.require(0, "attribute") : null;
                int testAt = attr ? 1 : 0;
                String test = args.size() > testAt ? str(args.get(testAt), max) : null;
                List<Object> testArgs = args.size() > testAt + 1 ? args.subList(testAt + 1, args.size()) : List.of();
                List<Object> out = new ArrayList<>();
                for (Object o : Values.truthy(v) ? Values.iterate(v) : List.of()) { // Jinja skips a falsy input
                    Object x = attr ? path(o, attribute) : o;
                    boolean ok = test == null ? Values.truthy(x) : test(in, test, x, testArgs, Map.of());
                    if (ok == keep) out.add(o);
                }
                return out;
            }
            case "map": {
                List<Object> out = new ArrayList<>();
                if (!Values.truthy(v)) return out; // Jinja maps a falsy input (None) to nothing
                if (kw.containsKey("attribute")) {
                    Object dflt = kw.get("default");
                    for (Object o : Values.iterate(v)) {
                        Object x = path(o, kw.get("attribute"));
                        out.add(x instanceof Undefined && kw.containsKey("default") ? dflt : x);
                    }
                } else {
                    if (args.isEmpty()) throw fail("map requires a filter name or attribute=");
                    String f = str(args.get(0), max);
                    List<Object> rest = args.subList(1, args.size());
                    for (Object o : Values.iterate(v)) out.add(filter(in, f, o, rest, kw));
                }
                return out;
            }
            case "attr": return Builtins.getAttr(v, str(p.require(0, "name"), max));
            case "format": {
                List<Object> fa = new ArrayList<>(args);
                return Ops.percentFormat(str(v, max), kw.isEmpty() ? new Tuple(fa) : new LinkedHashMap<>(kw), max);
            }
            case "indent": return indent(in, str(v, max), p.get(0, "width", 4L), Values.truthy(p.get(1, "first", false)),
                    Values.truthy(p.get(2, "blank", false)));
            case "center": {
                String s = str(v, max);
                int width = (int) Math.min(Values.asLong(p.get(0, "width", 80L)), max);
                int pad = Math.max(0, width - s.length());
                int left = pad / 2 + (pad & width & 1); // Python's str.center puts the odd space on the left
                return Values.spaces(left) + s + Values.spaces(pad - left);
            }
            case "wordcount": return (long) Builtins.split(str(v, max), null, -1).size();
            case "batch": {
                long size = Values.asLong(p.require(0, "linecount"));
                if (size <= 0) throw fail("batch size must be positive");
                List<Object> out = new ArrayList<>();
                List<Object> cur = new ArrayList<>();
                for (Object o : Values.iterate(v)) {
                    cur.add(o);
                    if (cur.size() == size) {
                        out.add(cur);
                        cur = new ArrayList<>();
                    }
                }
                if (!cur.isEmpty()) out.add(cur);
                return out;
            }
            default:
                throw fail(isKnownFilter(name) ? "filter '" + name + "' is not supported"
                        : "no filter named '" + name + "'");
        }
    }

    static boolean test(Interpreter in, String name, Object v, List<Object> args, Map<String, Object> kw) {
        Params p = new Params(name, args, kw);
        switch (name) {
            case "defined": return !(v instanceof Undefined);
            case "undefined": return v instanceof Undefined;
            case "none": return v == null;
            case "boolean": return v instanceof Boolean;
            case "true": return Boolean.TRUE.equals(v);
            case "false": return Boolean.FALSE.equals(v);
            case "integer": return v instanceof Long;
            case "float": return v instanceof Double;
            case "number": return Values.isNumber(v);
            case "string": return v instanceof String;
            case "mapping": return v instanceof Map;
            case "iterable": return v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            case "sequence": return v instanceof String || v instanceof List || v instanceof Map;
            case "callable": return v instanceof Callable;
            case "sameas": {
                Object o = p.require(0, "other");
                return v == o || (v instanceof Boolean && v.equals(o));
            }
            case "lower": return v instanceof String && !v.equals(((String) v).toUpperCase(Locale.ROOT))
                    && v.equals(((String) v).toLowerCase(Locale.ROOT));
            case "upper": return v instanceof String && !v.equals(((String) v).toLowerCase(Locale.ROOT))
                    && v.equals(((String) v).toUpperCase(Locale.ROOT));
            case "odd": return Math.floorMod(integer(v, name), 2L) == 1;
            case "even": return Math.floorMod(integer(v, name), 2L) == 0;
            case "divisibleby": {
                long d = integer(p.require(0, "num"), name);
                if (d == 0) throw fail("integer division or modulo by zero");
                return Math.floorMod(integer(v, name), d) == 0;
            }
            case "eq": case "equalto": case "==": return Values.equal(v, p.require(0, "other"));
            case "ne": case "!=": return !Values.equal(v, p.require(0, "other"));
            case "lt": case "lessthan": case "<": return Values.compare(v, p.require(0, "other")) < 0;
            case "le": case "<=": return Values.compare(v, p.require(0, "other")) <= 0;
            case "gt": case "greaterthan": case ">": return Values.compare(v, p.require(0, "other")) > 0;
            case "ge": case ">=": return Values.compare(v, p.require(0, "other")) >= 0;
            case "in": return Values.contains(p.require(0, "seq"), v);
            case "escaped": return false;
            case "filter": return isFilterName(str(v, in.maxChars));
            case "test": return isTestName(str(v, in.maxChars));
            default: throw fail("no test named '" + name + "'");
        }
    }

    private static final List<String> FILTERS = Arrays.asList("trim", "length", "count", "upper", "lower",
        "capitalize", "title", "string", "safe", "forceescape", "escape", "e", "default", "d", "tojson", "join",
        "first", "last", "replace", "int", "float", "abs", "round", "items", "list", "unique", "reverse", "sort",
        "dictsort", "sum", "min", "max", "selectattr", "rejectattr", "select", "reject", "map", "attr", "format",
        "indent", "center", "wordcount", "batch");
    private static final List<String> TESTS = Arrays.asList("defined", "undefined", "none", "boolean", "true",
        "false", "integer", "float", "number", "string", "mapping", "iterable", "sequence", "callable", "sameas",
        "lower", "upper", "odd", "even", "divisibleby", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<",
        "le", "<=", "gt", "greaterthan", ">", "ge", ">=", "in", "escaped", "filter", "test");

    // Real Jinja2 filters this subset leaves out: they compile, and fail only if a render reaches them.
    private static final List<String> UNSUPPORTED_FILTERS = Arrays.asList("groupby", "pprint", "random", "slice",
        "striptags", "truncate", "urlencode", "urlize", "wordwrap", "xmlattr", "filesizeformat", "tojson_pretty");

    static boolean isFilterName(String n) { return FILTERS.contains(n); }

    /** Whether Jinja2 would compile a template using this filter (it rejects unknown names at compile time). */
    static boolean isKnownFilter(String n) { return FILTERS.contains(n) || UNSUPPORTED_FILTERS.contains(n); }

    static boolean isTestName(String n) { return TESTS.contains(n); }

    // ---- helpers shared with string methods ---------------------------------------------------------

    static String join(Interpreter in, Object items, String sep, String attribute) {
        Bounded out = new Bounded(in.maxChars);
        boolean first = true;
        for (Object o : Values.iterate(items)) {
            if (!first) out.append(sep);
            first = false;
            out.append(str(attribute == null ? o : path(o, attribute), in.maxChars));
        }
        return out.toString();
    }

    static String replace(Interpreter in, String s, Object old, Object repl, long count) {
        if (!(old instanceof String) || !(repl instanceof String)) throw fail("replace() arguments must be str");
        String o = (String) old;
        String r = (String) repl;
        Bounded out = new Bounded(in.maxChars);
        if (o.isEmpty()) { // Python inserts the replacement between every character
            int[] cps = s.codePoints().toArray();
            long done = 0;
            for (int i = 0; i <= cps.length; i++) {
                if (count < 0 || done < count) {
                    out.append(r);
                    done++;
                }
                if (i < cps.length) out.append(new String(cps, i, 1));
            }
            return out.toString();
        }
        int from = 0;
        long done = 0;
        for (int at = s.indexOf(o); at >= 0 && (count < 0 || done < count); at = s.indexOf(o, from)) {
            out.append(s.substring(from, at)).append(r);
            from = at + o.length();
            done++;
        }
        return out.append(s.substring(from)).toString();
    }

    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int first = s.codePointAt(0);
        return new String(Character.toChars(Character.toUpperCase(first)))
                + s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT);
    }

    /** Python str.title(): a cased letter after an uncased character starts a word. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(prevCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            prevCased = Character.isLetter(c);
        }
        return sb.toString();
    }

    /** Jinja's title filter: words start after whitespace, '-', or an opening bracket. */
    private static String jinjaTitle(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean start = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean sep = Values.isSpace(c) || "-({[<".indexOf(c) >= 0;
            sb.append(sep ? c : start ? Character.toUpperCase(c) : Character.toLowerCase(c));
            start = sep;
        }
        return sb.toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;")
                .replace("'", "&#39;");
    }

    private static long integer(Object v, String test) {
        if (!Values.isInteger(v)) throw fail("test '" + test + "' needs an integer, got " + typeName(v));
        return Values.asLong(v);
    }

    private static Object toInt(Object v, Object dflt, long base) {
        if (v instanceof Long) return v;
        if (v instanceof Boolean) return Values.asLong(v);
        if (v instanceof Double) {
            double d = (Double) v;
            return Double.isFinite(d) ? (Object) (long) d : dflt;
        }
        if (v instanceof String) {
            String s = Values.strip((String) v, null, true, true).replace("_", "");
            try {
                return Long.parseLong(s, (int) base);
            } catch (NumberFormatException e) {
                try {
                    double d = Double.parseDouble(s);
                    return Double.isFinite(d) ? (Object) (long) d : dflt;
                } catch (NumberFormatException e2) {
                    return dflt;
                }
            }
        }
        return dflt;
    }

    private static Object toFloat(Object v, Object dflt) {
        if (Values.isNumber(v)) return Values.asDouble(v);
        if (v instanceof String) {
            try {
                return Double.parseDouble(Values.strip((String) v, null, true, true));
            } catch (NumberFormatException e) {
                return dflt;
            }
        }
        return dflt;
    }

    /** Python's round() (half to even on the exact binary value), or ceil/floor at that precision. */
    private static Object round(Object v, long precision, String method) {
        if (!Values.isNumber(v)) throw fail("round expects a number, got " + typeName(v));
        if (Values.isInteger(v) && method.equals("common") && precision >= 0) return Values.asLong(v);
        double d = Values.asDouble(v);
        if (!Double.isFinite(d) || precision > 300 || precision < -300) return d;
        java.math.RoundingMode mode;
        switch (method) {
            case "common": mode = java.math.RoundingMode.HALF_EVEN; break;
            case "ceil": mode = java.math.RoundingMode.CEILING; break;
            case "floor": mode = java.math.RoundingMode.FLOOR; break;
            default: throw fail("method must be common, ceil or floor");
        }
        return new java.math.BigDecimal(d).setScale((int) precision, mode).doubleValue();
    }

    private static String indent(Interpreter in, String s, Object width, boolean first, boolean blank) {
        String pad = width instanceof String ? (String) width
                : Values.spaces((int) Math.max(0, Math.min(Values.asLong(width), 256)));
        Bounded out = new Bounded(in.maxChars);
        String[] lines = s.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) out.append('\n');
            boolean indentThis = (i > 0 || first) && (blank || !lines[i].isEmpty());
            if (indentThis) out.append(pad);
            out.append(lines[i]);
        }
        return out.toString();
    }

    /** Jinja's attribute path "a.b.0": each part looked up as an item. */
    private static Object path(Object obj, Object attribute) {
        if (Values.isInteger(attribute)) return Builtins.getItem(obj, attribute);
        Object cur = obj;
        for (String part : str(attribute, 1 << 12).split("\\.")) {
            cur = part.chars().allMatch(Character::isDigit) && !part.isEmpty()
                    ? Builtins.getItem(cur, Long.parseLong(part)) : Builtins.getItem(cur, part);
        }
        return cur;
    }

    private static Comparator<Object> ordering(Object attribute, boolean caseSensitive) {
        return (a, b) -> {
            Object x = attribute == null ? a : path(a, attribute);
            Object y = attribute == null ? b : path(b, attribute);
            if (!caseSensitive && x instanceof String && y instanceof String) {
                return ((String) x).toLowerCase(Locale.ROOT).compareTo(((String) y).toLowerCase(Locale.ROOT));
            }
            return Values.compare(x, y);
        };
    }

    /** Positional-or-keyword argument access with Jinja's parameter names. */
    private static final class Params {
        final String fn;
        final List<Object> args;
        final Map<String, Object> kw;

        Params(String fn, List<Object> args, Map<String, Object> kw) {
            this.fn = fn;
            this.args = args;
            this.kw = kw;
        }

        Object get(int index, String name, Object dflt) {
            if (index < args.size()) return args.get(index);
            return kw.containsKey(name) ? kw.get(name) : dflt;
        }

        Object require(int index, String name) {
            if (index >= args.size() && !kw.containsKey(name)) throw fail(fn + "() is missing argument '" + name + "'");
            return get(index, name, null);
        }
    }
}
