package dev.edgellm.gguf;

import java.util.Arrays;

/**
 * One GGUF metadata value. Scalars are boxed Java values: {@code UINT8}, {@code INT8}, {@code UINT16},
 * {@code INT16}, {@code INT32} as Integer; {@code UINT32} as Long so that it is never negative; {@code UINT64}
 * and {@code INT64} as Long (a UINT64 of 2^63 or more reads as negative: use {@link Long#toUnsignedString});
 * {@code FLOAT32} Float, {@code FLOAT64} Double, {@code BOOL} Boolean, {@code STRING} String (invalid UTF-8
 * is replaced by U+FFFD). Arrays are stored as compact
 * primitive arrays ({@code byte[]}, {@code short[]}, {@code int[]}, {@code long[]}, {@code float[]},
 * {@code double[]}, {@code boolean[]}, {@code String[]}) or {@code MetadataValue[]} for nested arrays, with
 * unsigned element types widened (u8→short[], u16→int[], u32→long[]) so values keep their sign.
 * Immutable apart from the arrays it hands out, which callers must not modify.
 */
public final class MetadataValue {
    private final GgufValueType type;
    private final GgufValueType elementType;
    private final Object value;

    MetadataValue(GgufValueType type, GgufValueType elementType, Object value) {
        this.type = type;
        this.elementType = elementType;
        this.value = value;
    }

    public GgufValueType type() { return type; }

    /** Element type for arrays, else null. */
    public GgufValueType elementType() { return elementType; }

    /** The raw Java value (see class comment). */
    public Object value() { return value; }

    public boolean isArray() { return type == GgufValueType.ARRAY; }

    public int arrayLength() {
        if (!isArray()) return -1;
        Object v = value;
        if (v instanceof Object[]) return ((Object[]) v).length;
        return java.lang.reflect.Array.getLength(v);
    }

    public String asString() {
        if (value instanceof String) return (String) value;
        throw new IllegalStateException("metadata value is " + type + ", not STRING");
    }

    public boolean isNumber() { return value instanceof Number; }

    public long asLong() {
        if (value instanceof Number) return ((Number) value).longValue();
        if (value instanceof Boolean) return ((Boolean) value) ? 1 : 0;
        throw new IllegalStateException("metadata value is " + type + ", not a number");
    }

    public double asDouble() {
        if (value instanceof Number) return ((Number) value).doubleValue();
        throw new IllegalStateException("metadata value is " + type + ", not a number");
    }

    public boolean asBoolean() {
        if (value instanceof Boolean) return (Boolean) value;
        if (value instanceof Number) return ((Number) value).longValue() != 0;
        throw new IllegalStateException("metadata value is " + type + ", not BOOL");
    }

    public String[] asStringArray() {
        if (value instanceof String[]) return (String[]) value;
        throw new IllegalStateException("metadata value is " + describe() + ", not an array of STRING");
    }

    /** Numeric array as floats (any numeric element type). */
    public float[] asFloatArray() {
        if (value instanceof float[]) return (float[]) value;
        int n = numericLength();
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) numberAt(i);
        return out;
    }

    /** Numeric array as ints (values must fit in an int). */
    public int[] asIntArray() {
        if (value instanceof int[] && (elementType == GgufValueType.INT32 || elementType == GgufValueType.UINT16)) {
            return (int[]) value;
        }
        int n = numericLength();
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = (int) numberAt(i);
        return out;
    }

    private int numericLength() {
        if (!isArray() || value instanceof String[] || value instanceof MetadataValue[]) {
            throw new IllegalStateException("metadata value is " + describe() + ", not a numeric array");
        }
        return arrayLength();
    }

    private double numberAt(int i) {
        Object v = value;
        if (v instanceof byte[]) return ((byte[]) v)[i];
        if (v instanceof short[]) return ((short[]) v)[i];
        if (v instanceof int[]) return ((int[]) v)[i];
        if (v instanceof long[]) return ((long[]) v)[i];
        if (v instanceof float[]) return ((float[]) v)[i];
        if (v instanceof double[]) return ((double[]) v)[i];
        if (v instanceof boolean[]) return ((boolean[]) v)[i] ? 1 : 0;
        throw new IllegalStateException("not numeric");
    }

    /** e.g. {@code UINT32}, {@code ARRAY[STRING] (32000)}. */
    public String describe() {
        return isArray() ? "ARRAY[" + elementType + "] (" + arrayLength() + ")" : type.name();
    }

    /** Short human-readable rendering; long arrays are elided. */
    @Override
    public String toString() {
        if (!isArray()) return type == GgufValueType.STRING ? quote((String) value) : String.valueOf(value);
        int n = arrayLength();
        StringBuilder sb = new StringBuilder("[");
        int shown = Math.min(n, 8);
        for (int i = 0; i < shown; i++) {
            if (i > 0) sb.append(", ");
            sb.append(elementToString(i));
        }
        if (n > shown) sb.append(", ... (").append(n).append(" items)");
        return sb.append(']').toString();
    }

    private String elementToString(int i) {
        Object v = value;
        if (v instanceof String[]) return quote(((String[]) v)[i]);
        if (v instanceof MetadataValue[]) return ((MetadataValue[]) v)[i].toString();
        if (v instanceof float[]) return Float.toString(((float[]) v)[i]);
        if (v instanceof double[]) return Double.toString(((double[]) v)[i]);
        if (v instanceof boolean[]) return Boolean.toString(((boolean[]) v)[i]);
        return Long.toString((long) numberAt(i));
    }

    private static String quote(String s) {
        String shown = s.length() > 60 ? s.substring(0, 57) + "..." : s;
        return '"' + shown.replace("\n", "\\n") + '"';
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof MetadataValue)) return false;
        MetadataValue m = (MetadataValue) o;
        return type == m.type && elementType == m.elementType && Arrays.deepEquals(new Object[] {value}, new Object[] {m.value});
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(new Object[] {type, value});
    }
}
