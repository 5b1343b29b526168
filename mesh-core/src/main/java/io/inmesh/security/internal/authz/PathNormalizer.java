package io.inmesh.security.internal.authz;

import java.util.Objects;

/**
 * Normalises a request path before AuthorizationPolicy {@code paths}/{@code notPaths} see it, so that spellings of
 * one resource cannot slip past a rule written for another. What matching sees:
 *
 * <ol>
 *   <li>The path is cut at the first {@code ?} or {@code #}: policies compare the path without query (Istio,
 *       "Authorization Policy Normalization", section "Path with query").</li>
 *   <li>Percent-encoded unreserved characters (ALPHA, DIGIT, {@code - . _ ~}) are decoded, once: {@code /%61dmin} is
 *       {@code /admin} (RFC 3986 section 2.3; Istio's {@code BASE} normalisation decodes exactly these). Other
 *       percent-encodings stay encoded with upper-case hex digits ({@code %3b} becomes {@code %3B}).</li>
 *   <li>A backslash is a slash: {@code \admin} is {@code /admin} (Istio {@code BASE}, from Envoy's
 *       {@code normalize_path}).</li>
 *   <li>Path parameters are removed: {@code ;} starts a parameter that runs to the end of its segment, so
 *       {@code /admin;x} is {@code /admin} and {@code /..;/admin} is {@code /admin}. Envoy keeps {@code ;} as part of
 *       the path, but the JVM servers InMesh runs in (Tomcat, Jetty, Spring's path matching) drop path parameters
 *       before routing; matching what the application will route is the safe choice. A policy path that itself
 *       contains {@code ;} therefore never matches.</li>
 *   <li>Dot segments are resolved (RFC 3986 section 5.2.4), never above the root: {@code /public/../admin} is
 *       {@code /admin}, {@code /..} is {@code /}. An encoded dot counts: {@code /%2e%2e/} is {@code /../}.</li>
 *   <li>Repeated slashes are merged: {@code //admin} is {@code /admin} (Istio's {@code MERGE_SLASHES}). A trailing
 *       slash stays: {@code /admin/} is not {@code /admin}, as in Istio; write {@code /admin*} to cover both.</li>
 *   <li>Case is kept: paths are case-sensitive in Istio and in servlet routing, so {@code /ADMIN} is a different
 *       resource from {@code /admin}, not a spelling of it.</li>
 * </ol>
 *
 * <p>Requests whose path cannot be read unambiguously are rejected (answer 400), with a {@link Rejection}:
 * a control character, space or non-ASCII character; a {@code %} not followed by two hex digits; {@code %00}
 * (Istio always rejects it); a percent-encoded percent sign followed by two hex digits, however they are spelled
 * ({@code %252e}, {@code %25%32e}: a server that decodes twice would see {@code %2e}, one that decodes once a
 * literal {@code %2e}, and a policy can only match one of them); percent-encoded bytes that are not well-formed UTF-8, including overlong forms such as
 * {@code %C0%AF} (an old spelling of {@code /}); a path not starting with {@code /}.
 *
 * <p>Encoded slashes ({@code %2F}, {@code %5C}) depend on {@link EscapedSlashes}. Istio's default ({@code BASE})
 * keeps them encoded, so {@code /admin%2Fsecret} does not match {@code /admin/secret}, while an application that
 * decodes them would serve {@code /admin/secret}: the bypass Istio's best practices warn about (CVE-2021-31920). The
 * default here is {@link EscapedSlashes#REJECT}, which is also what Tomcat and Spring Security's firewall do with
 * them by default; {@link EscapedSlashes#DECODE} is Istio's {@code DECODE_AND_MERGE_SLASHES};
 * {@link EscapedSlashes#KEEP} is Istio's {@code BASE}/{@code MERGE_SLASHES}.
 *
 * <p>Immutable and thread-safe. {@link #normalize} allocates nothing when the path is already normal and holds no
 * percent-encoding (the same {@code String} comes back), and one array plus the result otherwise (a path with escapes
 * is always decoded and checked again, even when its normal form is itself).
 */
public final class PathNormalizer {

    /** What to do with {@code %2F} and {@code %5C}. */
    public enum EscapedSlashes {
        /** Reject the request (400). The default. */
        REJECT,
        /** Keep them encoded: they are ordinary characters of a segment (Istio {@code BASE}). */
        KEEP,
        /** Decode them to {@code /} before resolving dot segments (Istio {@code DECODE_AND_MERGE_SLASHES}). */
        DECODE
    }

    /** Why a path was rejected. Each is a 400 Bad Request. */
    public enum Rejection {
        ILLEGAL_CHARACTER("the path holds a control character, a space or a non-ASCII character"),
        INVALID_PERCENT_ENCODING("the path holds a '%' that is not followed by two hex digits"),
        ENCODED_NUL("the path holds an encoded NUL (%00)"),
        ENCODED_SLASH("the path holds an encoded slash or backslash (%2F or %5C)"),
        DOUBLE_ENCODING("the path holds an encoded percent sign followed by two hex digits (%25XX: double encoding)"),
        OVERLONG_UTF8("the path holds an overlong UTF-8 encoding (such as %C0%AF for '/')"),
        INVALID_UTF8("the path holds percent-encoded bytes that are not valid UTF-8"),
        NOT_ABSOLUTE("the path does not start with '/'");

        private final String message;

        Rejection(String message) {
            this.message = message;
        }

        /** A sentence saying what is wrong, without the path itself. */
        public String message() {
            return message;
        }
    }

    /**
     * The outcome for one path: exactly one of {@code path} and {@code rejection} is non-null.
     *
     * @param path      the normalised path
     * @param rejection why the path is rejected
     */
    public record Result(String path, Rejection rejection) {
        public Result {
            if ((path == null) == (rejection == null)) {
                throw new IllegalArgumentException("exactly one of path and rejection");
            }
        }

        public boolean rejected() {
            return rejection != null;
        }
    }

    private static final PathNormalizer STANDARD = new PathNormalizer(EscapedSlashes.REJECT);

    private final EscapedSlashes escapedSlashes;

    private PathNormalizer(EscapedSlashes escapedSlashes) {
        this.escapedSlashes = escapedSlashes;
    }

    /** The default: encoded slashes rejected. */
    public static PathNormalizer standard() {
        return STANDARD;
    }

    public static PathNormalizer of(EscapedSlashes escapedSlashes) {
        Objects.requireNonNull(escapedSlashes, "escapedSlashes");
        return escapedSlashes == EscapedSlashes.REJECT ? STANDARD : new PathNormalizer(escapedSlashes);
    }

    public EscapedSlashes escapedSlashes() {
        return escapedSlashes;
    }

    /** Normalises {@code rawPath}, the path as sent (percent-encoded). */
    public Result normalize(String rawPath) {
        Object r = apply(rawPath);
        return r instanceof Rejection rejection ? new Result(null, rejection) : new Result((String) r, null);
    }

    /**
     * The normalised path ({@code String}, the argument itself when it is already normal) or the
     * {@link Rejection}. For the request path: no allocation for a normal path, no exception.
     */
    Object apply(String raw) {
        Objects.requireNonNull(raw, "rawPath");
        int end = raw.length();
        for (int i = 0; i < end; i++) {
            char c = raw.charAt(i);
            if (c == '?' || c == '#') {
                end = i;
                break;
            }
        }
        if (end == 0 || (raw.charAt(0) != '/' && raw.charAt(0) != '\\')) {
            return Rejection.NOT_ABSOLUTE;
        }
        if (end == raw.length() && isNormal(raw)) {
            return raw;
        }
        return slow(raw, end);
    }

    /** True when {@code p} is legal and no step would change it: no escape, backslash, parameter or dot segment. */
    private static boolean isNormal(String p) {
        int segmentStart = 1; // p.charAt(0) == '/' here
        if (p.charAt(0) != '/') {
            return false;
        }
        for (int i = 1; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '/') {
                if (isEmptyOrDots(p, segmentStart, i)) {
                    return false;
                }
                segmentStart = i + 1;
            } else if (c <= 0x20 || c >= 0x7f || c == '%' || c == '\\' || c == ';') {
                return false;
            }
        }
        int len = p.length() - segmentStart;
        // an empty last segment is a trailing slash, which stays; "." and ".." at the end do not
        return !(len == 1 && p.charAt(segmentStart) == '.')
                && !(len == 2 && p.charAt(segmentStart) == '.' && p.charAt(segmentStart + 1) == '.');
    }

    private static boolean isEmptyOrDots(CharSequence s, int from, int to) {
        int len = to - from;
        return len == 0 || (len == 1 && s.charAt(from) == '.')
                || (len == 2 && s.charAt(from) == '.' && s.charAt(from + 1) == '.');
    }

    /** Decodes into a buffer where '/' is always a separator, then resolves segments. */
    private Object slow(String raw, int end) {
        char[] buf = new char[end];
        int n = 0;
        boolean inParameter = false;
        int i = 0;
        while (i < end) {
            char c = raw.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return Rejection.ILLEGAL_CHARACTER;
            }
            if (c == '/' || c == '\\') {
                buf[n++] = '/';
                inParameter = false;
                i++;
                continue;
            }
            if (c != '%') {
                if (c == ';') {
                    inParameter = true;
                }
                if (!inParameter) {
                    buf[n++] = c;
                }
                i++;
                continue;
            }
            int b = escapedByte(raw, i, end);
            if (b < 0) {
                return Rejection.INVALID_PERCENT_ENCODING;
            }
            if (b == 0) {
                return Rejection.ENCODED_NUL;
            }
            if (b >= 0x80) {
                // a whole UTF-8 sequence of escapes: validated, kept encoded
                int length = utf8Length(raw, i, end);
                if (length < 0) {
                    return length == OVERLONG ? Rejection.OVERLONG_UTF8 : Rejection.INVALID_UTF8;
                }
                for (int k = 0; k < length; k++, i += 3) {
                    if (!inParameter) {
                        n = putEscape(buf, n, escapedByte(raw, i, end));
                    }
                }
                continue;
            }
            if (b == '/' || b == '\\') {
                if (escapedSlashes == EscapedSlashes.REJECT) {
                    return Rejection.ENCODED_SLASH;
                }
                if (escapedSlashes == EscapedSlashes.DECODE) {
                    buf[n++] = '/';
                    inParameter = false;
                } else if (!inParameter) {
                    n = putEscape(buf, n, b);
                }
                i += 3;
                continue;
            }
            if (!inParameter) {
                if (unreserved(b)) {
                    buf[n++] = (char) b;
                } else {
                    n = putEscape(buf, n, b);
                }
            }
            i += 3;
        }
        // "%25" followed by two hex digits, however they were spelled (%2541 or %25%34%31): a second decoding
        // would read another escape there
        for (int k = 0; k + 4 < n; k++) {
            if (buf[k] == '%' && buf[k + 1] == '2' && buf[k + 2] == '5' && isHex(buf[k + 3]) && isHex(buf[k + 4])) {
                return Rejection.DOUBLE_ENCODING;
            }
        }
        return resolve(buf, n);
    }

    /** {@code %XY} at {@code i}: the byte, or -1 when not two hex digits. */
    private static int escapedByte(String s, int i, int end) {
        if (i + 2 >= end) {
            return -1;
        }
        char hi = s.charAt(i + 1);
        char lo = s.charAt(i + 2);
        return isHex(hi) && isHex(lo) ? Character.digit(hi, 16) << 4 | Character.digit(lo, 16) : -1;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static final int INVALID = -1;
    private static final int OVERLONG = -2;

    /**
     * The number of escaped bytes of the UTF-8 sequence starting at the escape at {@code i}, or {@link #INVALID} /
     * {@link #OVERLONG}. Continuation bytes must follow as escapes: a raw byte cannot, since raw non-ASCII is
     * rejected.
     */
    private static int utf8Length(String s, int i, int end) {
        int lead = escapedByte(s, i, end);
        int length;
        int min;
        if (lead >= 0xc2 && lead <= 0xdf) {
            length = 2;
            min = 0x80;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            length = 3;
            min = 0x800;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            length = 4;
            min = 0x10000;
        } else {
            return lead == 0xc0 || lead == 0xc1 ? OVERLONG : INVALID; // C0/C1 only ever start overlong forms
        }
        int cp = lead & (0xff >> (length + 1));
        for (int k = 1; k < length; k++) {
            int at = i + 3 * k;
            if (at >= end || s.charAt(at) != '%') {
                return INVALID;
            }
            int b = escapedByte(s, at, end);
            if (b < 0x80 || b > 0xbf) {
                return INVALID;
            }
            cp = cp << 6 | (b & 0x3f);
        }
        if (cp < min) {
            return OVERLONG;
        }
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return INVALID;
        }
        return length;
    }

    private static boolean unreserved(int b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' || b == '.'
                || b == '_' || b == '~';
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private static int putEscape(char[] buf, int n, int b) {
        buf[n] = '%';
        buf[n + 1] = HEX[b >> 4];
        buf[n + 2] = HEX[b & 0xf];
        return n + 3;
    }

    /**
     * Merges slashes and resolves dot segments of {@code buf[0..n)}, which starts with '/', in place: the output
     * is never longer than the input at the point it is written.
     */
    private static String resolve(char[] buf, int n) {
        int w = 0; // output: "/seg/seg" without a trailing slash
        boolean trailingSlash = false;
        int i = 1; // buf[0] == '/'
        while (i <= n) {
            int j = i;
            while (j < n && buf[j] != '/') {
                j++;
            }
            boolean last = j >= n;
            int len = j - i;
            if (len == 0 || (len == 1 && buf[i] == '.')) {
                trailingSlash = last;
            } else if (len == 2 && buf[i] == '.' && buf[i + 1] == '.') {
                while (w > 0 && buf[--w] != '/') {
                    // drop the last output segment
                }
                trailingSlash = last;
            } else {
                buf[w++] = '/';
                System.arraycopy(buf, i, buf, w, len);
                w += len;
                trailingSlash = false;
            }
            i = j + 1;
        }
        if (w == 0) {
            return "/";
        }
        if (trailingSlash) {
            buf[w++] = '/';
        }
        return new String(buf, 0, w);
    }
}
