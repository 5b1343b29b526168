package io.inmesh.security.internal.authz;

/**
 * An IPv4 or IPv6 address block ({@code 10.0.0.0/8}, {@code 2001:db8::/32}; a bare address is a /32 or /128), as
 * AuthorizationPolicy {@code ipBlocks}, {@code remoteIpBlocks} and the {@code source.ip}, {@code remote.ip} and
 * {@code destination.ip} conditions use them. {@link #contains} parses the address text itself and allocates nothing.
 *
 * <p>An address of the other family never matches (as Envoy's {@code CidrRange}), with one exception: an
 * IPv4-mapped IPv6 address ({@code ::ffff:10.1.2.3}, what a dual-stack Java socket reports for an IPv4 peer) is
 * compared as the IPv4 address it carries. Brackets and a zone ({@code [fe80::1%eth0]}) are ignored.
 */
final class Cidr {

    private final boolean v6;
    private final int[] groups; // IPv4: 2 groups of 16 bits; IPv6: 8
    private final int bits;
    private final String text;

    private Cidr(boolean v6, int[] groups, int bits, String text) {
        this.v6 = v6;
        this.groups = groups;
        this.bits = bits;
        this.text = text;
    }

    /** Parses a block; throws {@link IllegalArgumentException} for text validation would have refused. */
    static Cidr parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String address = slash < 0 ? s : s.substring(0, slash);
        boolean v6 = address.indexOf(':') >= 0;
        int max = v6 ? 128 : 32;
        int bits = max;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits < 0 || bits > max) {
                throw new IllegalArgumentException("bad prefix length in " + text);
            }
        }
        int[] groups = new int[v6 ? 8 : 2];
        if (!(v6 ? parseV6(address, 0, address.length(), groups) : parseV4(address, 0, address.length(), groups, 0))) {
            throw new IllegalArgumentException("not an IP address: " + text);
        }
        return new Cidr(v6, groups, bits, text);
    }

    /** True when the address {@code ip} (null or unparsable: false) lies in this block. */
    boolean contains(String ip) {
        if (ip == null) {
            return false;
        }
        int from = 0;
        int to = ip.length();
        if (to > 1 && ip.charAt(0) == '[' && ip.charAt(to - 1) == ']') {
            from = 1;
            to--;
        }
        int zone = ip.indexOf('%', from);
        if (zone >= 0 && zone < to) {
            to = zone;
        }
        boolean ipV6 = false;
        for (int i = from; i < to; i++) {
            if (ip.charAt(i) == ':') {
                ipV6 = true;
                break;
            }
        }
        if (!ipV6) {
            return !v6 && v4Matches(ip, from, to);
        }
        if (!v6) {
            int mapped = mappedV4Start(ip, from, to);
            return mapped >= 0 && v4Matches(ip, mapped, to);
        }
        return v6Matches(ip, from, to);
    }

    private boolean v4Matches(String s, int from, int to) {
        long value = parseV4Value(s, from, to);
        return value >= 0 && matchesGroup(0, (int) (value >>> 16)) && matchesGroup(1, (int) (value & 0xffff));
    }

    /** Whether the 16-bit group {@code g} with value {@code v} agrees with this block's prefix. */
    private boolean matchesGroup(int g, int v) {
        int inGroup = Math.min(16, Math.max(0, bits - 16 * g));
        if (inGroup == 0) {
            return true;
        }
        int mask = (0xffff << (16 - inGroup)) & 0xffff;
        return ((v ^ groups[g]) & mask) == 0;
    }

    private boolean v6Matches(String s, int from, int to) {
        // two passes, no allocation: count the groups on each side of "::", then compare group by group
        int dbl = -1;
        for (int i = from; i + 1 < to; i++) {
            if (s.charAt(i) == ':' && s.charAt(i + 1) == ':') {
                dbl = i;
                break;
            }
        }
        int left = dbl < 0 ? countGroups(s, from, to) : countGroups(s, from, dbl);
        int right = dbl < 0 ? 0 : countGroups(s, dbl + 2, to);
        if (left < 0 || right < 0 || (dbl < 0 && left != 8) || (dbl >= 0 && left + right > 7)) {
            return false;
        }
        int end = dbl < 0 ? to : dbl;
        if (!compareGroups(s, from, end, 0)) {
            return false;
        }
        if (dbl >= 0) {
            for (int g = left; g < 8 - right; g++) {
                if (!matchesGroup(g, 0)) {
                    return false;
                }
            }
            return compareGroups(s, dbl + 2, to, 8 - right);
        }
        return true;
    }

    /** Compares the groups written in {@code s[from, to)} with this block, the first being group {@code first}. */
    private boolean compareGroups(String s, int from, int to, int first) {
        int g = first;
        int i = from;
        while (i < to) {
            int colon = indexOf(s, ':', i, to);
            int partEnd = colon < 0 ? to : colon;
            if (colon < 0 && indexOf(s, '.', i, partEnd) >= 0) {
                long v4 = parseV4Value(s, i, partEnd);
                return matchesGroup(g, (int) (v4 >>> 16)) && matchesGroup(g + 1, (int) (v4 & 0xffff));
            }
            if (!matchesGroup(g, hexGroup(s, i, partEnd))) {
                return false;
            }
            g++;
            i = partEnd + 1;
        }
        return true;
    }

    /** Number of 16-bit groups in {@code s[from, to)} (a trailing dotted quad counts 2), or -1 when malformed. */
    private static int countGroups(String s, int from, int to) {
        if (from == to) {
            return 0;
        }
        int count = 0;
        int i = from;
        while (true) {
            int colon = indexOf(s, ':', i, to);
            int partEnd = colon < 0 ? to : colon;
            if (colon < 0 && indexOf(s, '.', i, partEnd) >= 0) {
                return parseV4Value(s, i, partEnd) < 0 ? -1 : count + 2;
            }
            if (hexGroup(s, i, partEnd) < 0) {
                return -1;
            }
            count++;
            if (colon < 0) {
                return count;
            }
            i = colon + 1;
            if (i == to) {
                return -1; // trailing single ':'
            }
        }
    }

    private static int hexGroup(String s, int from, int to) {
        if (to - from < 1 || to - from > 4) {
            return -1;
        }
        int v = 0;
        for (int i = from; i < to; i++) {
            int d = Character.digit(s.charAt(i), 16);
            if (d < 0 || s.charAt(i) > 0x7f) {
                return -1;
            }
            v = v << 4 | d;
        }
        return v;
    }

    /** The start of the dotted quad in {@code ::ffff:a.b.c.d} (any case), else -1. */
    private static int mappedV4Start(String s, int from, int to) {
        String prefix = "::ffff:";
        if (to - from > prefix.length() && s.regionMatches(true, from, prefix, 0, prefix.length())
                && indexOf(s, '.', from, to) >= 0) {
            return from + prefix.length();
        }
        return -1;
    }

    /** A dotted quad as an unsigned 32-bit value, or -1 when malformed. */
    private static long parseV4Value(String s, int from, int to) {
        long value = 0;
        int i = from;
        for (int part = 0; part < 4; part++) {
            int partEnd = part < 3 ? indexOf(s, '.', i, to) : to;
            if (partEnd < 0 || partEnd - i < 1 || partEnd - i > 3) {
                return -1;
            }
            int octet = 0;
            for (int k = i; k < partEnd; k++) {
                char c = s.charAt(k);
                if (c < '0' || c > '9') {
                    return -1;
                }
                octet = octet * 10 + (c - '0');
            }
            if (octet > 255) {
                return -1;
            }
            value = value << 8 | octet;
            i = partEnd + 1;
        }
        return value;
    }

    private static boolean parseV4(String s, int from, int to, int[] groups, int first) {
        long v = parseV4Value(s, from, to);
        if (v < 0) {
            return false;
        }
        groups[first] = (int) (v >>> 16);
        groups[first + 1] = (int) (v & 0xffff);
        return true;
    }

    private static boolean parseV6(String s, int from, int to, int[] groups) {
        int dbl = s.indexOf("::", from);
        int left = dbl < 0 ? countGroups(s, from, to) : countGroups(s, from, dbl);
        int right = dbl < 0 ? 0 : countGroups(s, dbl + 2, to);
        if (left < 0 || right < 0 || (dbl < 0 && left != 8) || (dbl >= 0 && left + right > 7)) {
            return false;
        }
        fill(s, from, dbl < 0 ? to : dbl, groups, 0);
        if (dbl >= 0) {
            fill(s, dbl + 2, to, groups, 8 - right);
        }
        return true;
    }

    private static void fill(String s, int from, int to, int[] groups, int first) {
        int g = first;
        int i = from;
        while (i < to) {
            int colon = indexOf(s, ':', i, to);
            int partEnd = colon < 0 ? to : colon;
            if (colon < 0 && indexOf(s, '.', i, partEnd) >= 0) {
                parseV4(s, i, partEnd, groups, g);
                return;
            }
            groups[g++] = hexGroup(s, i, partEnd);
            i = partEnd + 1;
        }
    }

    private static int indexOf(String s, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return text;
    }
}
