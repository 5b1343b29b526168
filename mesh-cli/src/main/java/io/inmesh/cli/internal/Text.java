package io.inmesh.cli.internal;

/** Text helpers for what reaches a terminal. */
final class Text {

    private Text() {
    }

    /**
     * Escapes C0 and C1 control characters (and DEL) as {@code \\uXXXX}, so text taken from a file or an argument
     * cannot move the cursor, recolour the terminal or forge extra output lines. Other text is unchanged.
     */
    static String escapeControls(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)) {
                if (b == null) {
                    b = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                b.append(String.format("\\u%04x", (int) c));
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    /** {@code "1 error"}, {@code "2 errors"}. */
    static String count(long n, String singular, String plural) {
        return n + " " + (n == 1 ? singular : plural);
    }
}
