package dev.edgellm.chat;

import dev.edgellm.chat.Values.Callable;
import dev.edgellm.chat.Values.Fail;
import dev.edgellm.chat.Values.Namespace;
import dev.edgellm.chat.Values.Tuple;
import dev.edgellm.chat.Values.Undefined;

import java.util.ArrayList;
import java.util.Calendar;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.edgellm.chat.Values.fail;
import static dev.edgellm.chat.Values.str;
import static dev.edgellm.chat.Values.typeName;

/**
 * Global functions ({@code range}, {@code namespace}, {@code dict}, {@code raise_exception},
 * {@code strftime_now}), attribute and item access with Jinja's fallbacks, slicing, and the read-only methods
 * of str, dict and list that chat templates call. Mutating methods ({@code append}, {@code pop}, ...) are
 * absent on purpose: transformers renders in Jinja's ImmutableSandboxedEnvironment, which forbids them too.
 */
final class Builtins {
    private Builtins() {}

    private static final Map<String, Object> GLOBALS = new HashMap<>();

    static {
        GLOBALS.put("range", (Callable) Builtins::range);
        GLOBALS.put("namespace", (Callable) (in, args, kwargs) -> {
            Namespace ns = new Namespace();
            for (Object a : args) {
                if (a instanceof Map) for (Map.Entry<?, ?> e : ((Map<?, ?>) a).entrySet()) {
                    ns.attrs.put(str(e.getKey(), in.maxChars), e.getValue());
                }
            }
            ns.attrs.putAll(kwargs);
            return ns;
        });
        GLOBALS.put("dict", (Callable) (in, args, kwargs) -> {
            Map<Object, Object> map = new LinkedHashMap<>();
            if (!args.isEmpty() && args.get(0) instanceof Map) map.putAll((Map<?, ?>) args.get(0));
            map.putAll(kwargs);
            return map;
        });
        GLOBALS.put("raise_exception", (Callable) (in, args, kwargs) -> {
            String message = args.isEmpty() ? "raise_exception() called" : str(args.get(0), in.maxChars);
            throw new Fail(TemplateException.Kind.RAISED, message);
        });
        GLOBALS.put("strftime_now", (Callable) (in, args, kwargs) -> {
            if (args.isEmpty() || !(args.get(0) instanceof String)) throw fail("strftime_now(format) needs a format string");
            return strftime((String) args.get(0), in.options);
        });
    }

    static Map<String, Object> globals() { return GLOBALS; }

    private static Object range(Interpreter in, List<Object> args, Map<String, Object> kwargs) {
        if (args.isEmpty() || args.size() > 3) throw fail("range expected 1 to 3 arguments, got " + args.size());
        for (Object a : args) {
            if (!Values.isInteger(a)) throw fail("'" + typeName(a) + "' object cannot be interpreted as an integer");
        }
        long start = args.size() == 1 ? 0 : Values.asLong(args.get(0));
        long stop = Values.asLong(args.get(args.size() == 1 ? 0 : 1));
        long step = args.size() == 3 ? Values.asLong(args.get(2)) : 1;
        if (step == 0) throw fail("range() arg 3 must not be zero");
        double count = Math.max(0, Math.ceil(((double) stop - start) / step));
        if (count > in.options.maxRangeLength()) {
            throw new Fail(TemplateException.Kind.LIMIT,
                    "range() of " + (long) count + " items exceeds the limit of " + in.options.maxRangeLength());
        }
        List<Object> out = new ArrayList<>((int) count);
        for (long v = start; step > 0 ? v < stop : v > stop; v += step) out.add(v);
        return out;
    }

    // ---- attribute and item access ------------------------------------------------------------------

    /** obj.name: Python attribute first (methods), then obj['name']; missing gives Undefined. */
    static Object getAttr(Object obj, String name) {
        if (obj instanceof Undefined) throw Values.undefinedError((Undefined) obj);
        if (obj instanceof Interpreter.LoopInfo) return ((Interpreter.LoopInfo) obj).attr(name);
        if (obj instanceof Namespace) {
            Namespace ns = (Namespace) obj;
            return ns.attrs.containsKey(name) ? ns.attrs.get(name)
                    : new Undefined("'Namespace' object has no attribute '" + name + "'");
        }
        Callable m = method(obj, name);
        if (m != null) return m;
        if (obj instanceof Map) {
            Object v = Values.dictGet((Map<?, ?>) obj, name);
            if (v != Values.MISSING) return v;
        }
        return new Undefined("'" + describe(obj) + "' has no attribute '" + name + "'");
    }

    /** obj[key]: item first, then (for string keys) attribute; missing gives Undefined. */
    static Object getItem(Object obj, Object key) {
        if (obj instanceof Undefined) throw Values.undefinedError((Undefined) obj);
        if (obj instanceof Map) {
            Object v = Values.dictGet((Map<?, ?>) obj, key);
            if (v != Values.MISSING) return v;
        } else if ((obj instanceof List || obj instanceof String) && Values.isInteger(key)) {
            long idx = Values.asLong(key);
            if (obj instanceof List) {
                List<?> list = (List<?>) obj;
                if (idx < 0) idx += list.size();
                if (idx >= 0 && idx < list.size()) return list.get((int) idx);
            } else {
                int[] cps = ((String) obj).codePoints().toArray();
                if (idx < 0) idx += cps.length;
                if (idx >= 0 && idx < cps.length) return new String(cps, (int) idx, 1);
            }
            return new Undefined(describe(obj) + " has no element " + Values.asLong(key));
        } else if (obj instanceof Namespace || obj instanceof Interpreter.LoopInfo) {
            if (key instanceof String) return getAttr(obj, (String) key);
        } else if (obj == null) {
            return new Undefined("'None' has no attribute or item " + str(key, 1 << 10));
        }
        if (key instanceof String) {
            Callable m = method(obj, (String) key);
            if (m != null) return m;
        }
        return new Undefined("'" + describe(obj) + "' has no attribute '" + str(key, 1 << 10) + "'");
    }

    private static String describe(Object obj) {
        return obj == null ? "None" : typeName(obj) + " object";
    }

    /** Python slicing for lists, tuples and strings (strings by code point). */
    static Object slice(Object obj, Object start, Object stop, Object step) {
        if (obj instanceof Undefined) throw Values.undefinedError((Undefined) obj);
        for (Object o : new Object[] {start, stop, step}) {
            if (o != null && !Values.isInteger(o)) throw fail("slice indices must be integers or None");
        }
        long st = step == null ? 1 : Values.asLong(step);
        if (st == 0) throw fail("slice step cannot be zero");
        int[] cps = obj instanceof String ? ((String) obj).codePoints().toArray() : null;
        List<?> list = obj instanceof List ? (List<?>) obj : null;
        if (cps == null && list == null) throw fail("'" + typeName(obj) + "' object is not subscriptable");
        long len = cps != null ? cps.length : list.size();
        long lower = st > 0 ? 0 : -1;
        long upper = st > 0 ? len : len - 1;
        long a = adjust(start, st > 0 ? lower : upper, len, lower, upper);
        long b = adjust(stop, st > 0 ? upper : lower, len, lower, upper);
        List<Object> items = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        for (long i = a; st > 0 ? i < b : i > b; i += st) {
            if (cps != null) sb.appendCodePoint(cps[(int) i]);
            else items.add(list.get((int) i));
        }
        if (cps != null) return sb.toString();
        return obj instanceof Tuple ? new Tuple(items) : items;
    }

    private static long adjust(Object v, long dflt, long len, long lower, long upper) {
        if (v == null) return dflt;
        long i = Values.asLong(v);
        if (i < 0) i += len;
        return Math.max(lower, Math.min(upper, i));
    }

    // ---- methods ------------------------------------------------------------------------------------

    /** A bound read-only method of str, dict or list, or null if there is none of that name. */
    static Callable method(Object obj, String name) {
        if (obj instanceof String) return stringMethod((String) obj, name);
        if (obj instanceof Map) return dictMethod((Map<?, ?>) obj, name);
        if (obj instanceof List) return listMethod((List<?>) obj, name);
        return null;
    }

    private static Callable stringMethod(String s, String name) {
        switch (name) {
            case "strip": return (in, a, k) -> Values.strip(s, optString(a, 0), true, true);
            case "lstrip": return (in, a, k) -> Values.strip(s, optString(a, 0), true, false);
            case "rstrip": return (in, a, k) -> Values.strip(s, optString(a, 0), false, true);
            case "upper": return (in, a, k) -> s.toUpperCase(Locale.ROOT);
            case "lower": return (in, a, k) -> s.toLowerCase(Locale.ROOT);
            case "title": return (in, a, k) -> Filters.title(s);
            case "capitalize": return (in, a, k) -> Filters.capitalize(s);
            case "split": return (in, a, k) -> split(s, optString(a, 0), a.size() > 1 ? Values.asLong(a.get(1)) : -1);
            case "splitlines": return (in, a, k) -> {
                List<Object> out = new ArrayList<>();
                for (String line : s.split("\r\n|\r|\n", -1)) out.add(line);
                if (!out.isEmpty() && s.matches("(?s).*(\r\n|\r|\n)")) out.remove(out.size() - 1);
                if (s.isEmpty()) out.clear();
                return out;
            };
            case "startswith": return (in, a, k) -> affix(s, arg(a, 0, name), true);
            case "endswith": return (in, a, k) -> affix(s, arg(a, 0, name), false);
            case "replace": return (in, a, k) -> Filters.replace(in, s, arg(a, 0, name), arg(a, 1, name),
                    a.size() > 2 ? Values.asLong(a.get(2)) : -1);
            case "find": return (in, a, k) -> (long) s.indexOf(stringArg(a, 0, name));
            case "count": return (in, a, k) -> {
                String sub = stringArg(a, 0, name);
                if (sub.isEmpty()) return (long) s.codePointCount(0, s.length()) + 1;
                long c = 0;
                for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) c++;
                return c;
            };
            case "join": return (in, a, k) -> Filters.join(in, arg(a, 0, name), s, null);
            case "format": return (in, a, k) -> Ops.strFormat(s, a, k, in.maxChars);
            case "isdigit": return (in, a, k) -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isalpha": return (in, a, k) -> !s.isEmpty() && s.chars().allMatch(Character::isLetter);
            case "isspace": return (in, a, k) -> !s.isEmpty() && s.chars().allMatch(c -> Values.isSpace((char) c));
            case "isupper": return (in, a, k) -> !s.equals(s.toLowerCase(Locale.ROOT)) && s.equals(s.toUpperCase(Locale.ROOT));
            case "islower": return (in, a, k) -> !s.equals(s.toUpperCase(Locale.ROOT)) && s.equals(s.toLowerCase(Locale.ROOT));
            default: return null;
        }
    }

    private static Callable dictMethod(Map<?, ?> m, String name) {
        switch (name) {
            case "get": return (in, a, k) -> {
                Object v = Values.dictGet(m, arg(a, 0, name));
                return v != Values.MISSING ? v : (a.size() > 1 ? a.get(1) : null);
            };
            case "items": return (in, a, k) -> {
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.add(new Tuple(java.util.Arrays.asList(e.getKey(), e.getValue())));
                return out;
            };
            case "keys": return (in, a, k) -> new ArrayList<Object>(m.keySet());
            case "values": return (in, a, k) -> new ArrayList<Object>(m.values());
            default: return null;
        }
    }

    private static Callable listMethod(List<?> l, String name) {
        switch (name) {
            case "index": return (in, a, k) -> {
                Object x = arg(a, 0, name);
                for (int i = 0; i < l.size(); i++) if (Values.equal(l.get(i), x)) return (long) i;
                throw fail(str(x, 200) + " is not in list");
            };
            case "count": return (in, a, k) -> {
                Object x = arg(a, 0, name);
                return l.stream().filter(o -> Values.equal(o, x)).count();
            };
            default: return null;
        }
    }

    private static Object arg(List<Object> a, int i, String method) {
        if (i >= a.size()) throw fail(method + "() is missing argument " + (i + 1));
        return a.get(i);
    }

    private static String stringArg(List<Object> a, int i, String method) {
        Object v = arg(a, i, method);
        if (!(v instanceof String)) throw fail(method + "() argument must be str, not " + typeName(v));
        return (String) v;
    }

    private static String optString(List<Object> a, int i) {
        if (i >= a.size() || a.get(i) == null) return null;
        if (!(a.get(i) instanceof String)) throw fail("argument must be str or None, not " + typeName(a.get(i)));
        return (String) a.get(i);
    }

    private static boolean affix(String s, Object x, boolean prefix) {
        if (x instanceof List) {
            for (Object o : (List<?>) x) if (affix(s, o, prefix)) return true;
            return false;
        }
        if (!(x instanceof String)) throw fail("startswith/endswith first arg must be str or a tuple of str");
        return prefix ? s.startsWith((String) x) : s.endsWith((String) x);
    }

    /** Python str.split: no separator splits on runs of whitespace and drops empty parts. */
    static List<Object> split(String s, String sep, long maxSplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && Values.isSpace(s.charAt(i))) i++;
                if (i >= n) break;
                if (maxSplit >= 0 && out.size() >= maxSplit) {
                    out.add(Values.rstrip(s.substring(i)));
                    break;
                }
                int j = i;
                while (j < n && !Values.isSpace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw fail("empty separator");
        int from = 0;
        while (maxSplit < 0 || out.size() < maxSplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) break;
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    // ---- strftime -----------------------------------------------------------------------------------

    private static final String[] DAYS = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
    private static final String[] MONTHS = {"January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December"};

    /** Python's strftime for the C-locale directives templates use (e.g. Llama 3.2's "%d %b %Y"). */
    static String strftime(String fmt, TemplateOptions options) {
        Calendar c = Calendar.getInstance(options.timeZone(), Locale.ROOT);
        c.setTimeInMillis(options.clock().getAsLong());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char ch = fmt.charAt(i);
            if (ch != '%' || i + 1 >= fmt.length()) {
                sb.append(ch);
                continue;
            }
            char d = fmt.charAt(++i);
            int hour = c.get(Calendar.HOUR_OF_DAY);
            switch (d) {
                case 'd': sb.append(two(c.get(Calendar.DAY_OF_MONTH))); break;
                case 'e': sb.append(String.format(Locale.ROOT, "%2d", c.get(Calendar.DAY_OF_MONTH))); break;
                case 'm': sb.append(two(c.get(Calendar.MONTH) + 1)); break;
                case 'Y': sb.append(c.get(Calendar.YEAR)); break;
                case 'y': sb.append(two(c.get(Calendar.YEAR) % 100)); break;
                case 'b': case 'h': sb.append(MONTHS[c.get(Calendar.MONTH)], 0, 3); break;
                case 'B': sb.append(MONTHS[c.get(Calendar.MONTH)]); break;
                case 'a': sb.append(DAYS[c.get(Calendar.DAY_OF_WEEK) - 1], 0, 3); break;
                case 'A': sb.append(DAYS[c.get(Calendar.DAY_OF_WEEK) - 1]); break;
                case 'H': sb.append(two(hour)); break;
                case 'I': sb.append(two(hour % 12 == 0 ? 12 : hour % 12)); break;
                case 'p': sb.append(hour < 12 ? "AM" : "PM"); break;
                case 'M': sb.append(two(c.get(Calendar.MINUTE))); break;
                case 'S': sb.append(two(c.get(Calendar.SECOND))); break;
                case 'j': sb.append(String.format(Locale.ROOT, "%03d", c.get(Calendar.DAY_OF_YEAR))); break;
                case 'F': sb.append(c.get(Calendar.YEAR)).append('-').append(two(c.get(Calendar.MONTH) + 1))
                        .append('-').append(two(c.get(Calendar.DAY_OF_MONTH))); break;
                case '%': sb.append('%'); break;
                default: sb.append('%').append(d);
            }
        }
        return sb.toString();
    }

    private static String two(int v) { return v < 10 ? "0" + v : Integer.toString(v); }
}
