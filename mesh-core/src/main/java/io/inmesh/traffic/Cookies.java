package io.inmesh.traffic;

/** Reads one cookie from a {@code Cookie} header value ({@code a=1; b=2}) without splitting the whole header. */
final class Cookies {
    private Cookies() {
    }

    static String find(String header, String name) {
        if (header == null) {
            return null;
        }
        int i = 0;
        int n = header.length();
        while (i < n) {
            while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ';')) {
                i++;
            }
            int end = header.indexOf(';', i);
            if (end < 0) {
                end = n;
            }
            int eq = header.indexOf('=', i);
            if (eq > i && eq < end && eq - i == name.length() && header.regionMatches(i, name, 0, name.length())) {
                String v = header.substring(eq + 1, end).trim();
                if (v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') {
                    v = v.substring(1, v.length() - 1);
                }
                return v;
            }
            i = end + 1;
        }
        return null;
    }
}
