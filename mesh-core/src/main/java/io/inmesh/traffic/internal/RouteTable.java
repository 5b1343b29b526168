package io.inmesh.traffic.internal;

import io.inmesh.Workload;
import io.inmesh.config.internal.compile.CompiledMatch;
import io.inmesh.config.internal.compile.StringMatcher;
import io.inmesh.traffic.RequestView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The HTTP rules of one VirtualService compiled for one caller, for fast first-match selection.
 *
 * <ul>
 *   <li>Conditions on the caller ({@code sourceLabels}, {@code sourceNamespace}, gateways) are decided once, at
 *       compile time: a match block that cannot hold for this caller is dropped.</li>
 *   <li>Each block is flat arrays of matchers, cheapest first, so a mismatch is found quickly without
 *       iterators.</li>
 *   <li>With more than {@link #INDEX_THRESHOLD} rules, an index narrows the rules to evaluate: each alternative is
 *       keyed by a condition it cannot match without (exact path, path prefix, regex literal prefix, exact header
 *       value); only rules whose key holds for the request, and rules without a key, are evaluated, still in rule
 *       order, so the first match is the same as a scan of every rule.</li>
 * </ul>
 * Selection allocates nothing: the candidate set is a bit set in a per-thread scratch array.
 */
final class RouteTable {
    static final int INDEX_THRESHOLD = 8;
    /** A rule that matched without a uri condition: Envoy's catch-all prefix {@code /} (for {@code rewrite.uri}). */
    static final int NO_URI_PREFIX = 1;
    static final int NO_MATCH = Integer.MIN_VALUE;

    private static final ThreadLocal<long[]> SCRATCH = ThreadLocal.withInitial(() -> new long[16]);

    /** One match block: every condition must hold. */
    static final class Block {
        final int port;
        final StringMatcher uri;
        final StringMatcher method;
        final StringMatcher scheme;
        final StringMatcher authority;
        final String[] headerNames;
        final StringMatcher[] headers;
        final String[] withoutNames;
        final StringMatcher[] without;
        final String[] queryNames;
        final StringMatcher[] query;

        Block(CompiledMatch m) {
            this.port = m.port() == null ? -1 : m.port();
            this.uri = m.uri();
            this.method = m.method();
            this.scheme = m.scheme();
            this.authority = m.authority();
            this.headerNames = m.headers().stream().map(CompiledMatch.NamedMatcher::name).toArray(String[]::new);
            this.headers = m.headers().stream().map(CompiledMatch.NamedMatcher::matcher).toArray(StringMatcher[]::new);
            this.withoutNames = m.withoutHeaders().stream().map(CompiledMatch.NamedMatcher::name)
                    .toArray(String[]::new);
            this.without = m.withoutHeaders().stream().map(CompiledMatch.NamedMatcher::matcher)
                    .toArray(StringMatcher[]::new);
            this.queryNames = m.queryParams().stream().map(CompiledMatch.NamedMatcher::name).toArray(String[]::new);
            this.query = m.queryParams().stream().map(CompiledMatch.NamedMatcher::matcher)
                    .toArray(StringMatcher[]::new);
        }

        boolean matches(RequestView r, String path, int requestPort) {
            if (port >= 0 && port != requestPort) {
                return false;
            }
            if (uri != null && !uri.matches(path)) {
                return false;
            }
            if (method != null && !method.matches(r.method())) {
                return false;
            }
            if (scheme != null && !scheme.matches(r.scheme())) {
                return false;
            }
            if (authority != null && !authority.matches(r.authority())) {
                return false;
            }
            for (int i = 0; i < headers.length; i++) {
                if (!headers[i].matches(r.header(headerNames[i]))) {
                    return false;
                }
            }
            for (int i = 0; i < without.length; i++) {
                if (without[i].matches(r.header(withoutNames[i]))) {
                    return false;
                }
            }
            for (int i = 0; i < query.length; i++) {
                if (!query[i].matches(r.queryParameter(queryNames[i]))) {
                    return false;
                }
            }
            return true;
        }

        /** True when the block can hold for calls from {@code self} (source conditions, gateways). */
        static boolean admits(CompiledMatch m, Workload self) {
            if (!m.meshGateway()) {
                return false;
            }
            if (m.sourceNamespace() != null && !m.sourceNamespace().equals(self.namespace())) {
                return false;
            }
            for (var e : m.sourceLabels().entrySet()) {
                if (!e.getValue().equals(self.labels().get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A rule: its alternatives (ORed), each a conjunction of blocks; empty with {@code all} for "matches all". */
    static final class Rule {
        final Block[][] alternatives;
        final boolean all;
        final RoutePlan plan;

        Rule(Block[][] alternatives, boolean all, RoutePlan plan) {
            this.alternatives = alternatives;
            this.all = all;
            this.plan = plan;
        }

        /** NO_MATCH, or the length of the uri prefix a {@code rewrite.uri} replaces (-1: the whole path). */
        int match(RequestView r, String path, int port) {
            if (all) {
                return NO_URI_PREFIX;
            }
            for (Block[] blocks : alternatives) {
                int prefix = NO_URI_PREFIX;
                boolean ok = true;
                for (Block b : blocks) {
                    if (!b.matches(r, path, port)) {
                        ok = false;
                        break;
                    }
                    if (b.uri != null) {
                        prefix = b.uri.rewritePrefixLength();
                    }
                }
                if (ok) {
                    return prefix;
                }
            }
            return NO_MATCH;
        }
    }

    private final Rule[] rules;
    private final Index index;

    private RouteTable(Rule[] rules, Index index) {
        this.rules = rules;
        this.index = index;
    }

    /**
     * Builds the table for {@code self}. {@code alternatives.get(i)} are rule i's alternatives (empty: matches
     * every request), each a conjunction of compiled blocks.
     */
    static RouteTable build(List<CompiledMatch[][]> alternatives, List<RoutePlan> plans, Workload self) {
        return build(alternatives, plans, self, true);
    }

    /** As {@link #build(List, List, Workload)}; {@code indexed} false scans every rule (tests compare the two). */
    static RouteTable build(List<CompiledMatch[][]> alternatives, List<RoutePlan> plans, Workload self,
                            boolean indexed) {
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < alternatives.size(); i++) {
            CompiledMatch[][] alts = alternatives.get(i);
            if (alts.length == 0) {
                rules.add(new Rule(new Block[0][], true, plans.get(i)));
                continue;
            }
            List<Block[]> kept = new ArrayList<>();
            for (CompiledMatch[] conj : alts) {
                boolean admitted = true;
                for (CompiledMatch m : conj) {
                    admitted &= Block.admits(m, self);
                }
                if (admitted) {
                    kept.add(Arrays.stream(conj).map(Block::new).toArray(Block[]::new));
                }
            }
            if (!kept.isEmpty()) { // a rule no alternative of which can hold for this caller is left out
                rules.add(new Rule(kept.toArray(new Block[0][]), false, plans.get(i)));
            }
        }
        Rule[] array = rules.toArray(new Rule[0]);
        return new RouteTable(array, indexed && array.length > INDEX_THRESHOLD ? Index.build(array) : null);
    }

    /**
     * The first rule matching {@code r}, as {@code (ruleIndex << 32) | (rewritePrefixLength & 0xffffffff)}, or -1
     * when none matches (a long, so that nothing is allocated to return two values).
     */
    long select(RequestView r, int port) {
        String path = r.path();
        if (index == null) {
            for (int i = 0; i < rules.length; i++) {
                int m = rules[i].match(r, path, port);
                if (m != NO_MATCH) {
                    return ((long) i << 32) | (m & 0xffffffffL);
                }
            }
            return -1;
        }
        long[] bits = SCRATCH.get();
        int words = index.words;
        if (bits.length < words) {
            bits = new long[words];
            SCRATCH.set(bits);
        }
        index.candidates(r, path, bits);
        for (int w = 0; w < words; w++) {
            long word = bits[w];
            while (word != 0) {
                int rule = (w << 6) + Long.numberOfTrailingZeros(word);
                word &= word - 1;
                int m = rules[rule].match(r, path, port);
                if (m != NO_MATCH) {
                    Arrays.fill(bits, w, words, 0L);
                    return ((long) rule << 32) | (m & 0xffffffffL);
                }
            }
            bits[w] = 0;
        }
        return -1;
    }

    RoutePlan plan(int rule) {
        return rules[rule].plan;
    }

    int size() {
        return rules.length;
    }

    /** Which rules can match a request, from one condition per alternative that it cannot match without. */
    static final class Index {
        final int words;
        private final long[] unkeyed;
        private final Map<String, int[]> exactPaths;
        private final PrefixTrie prefixes;
        private final String[] headerNames;
        private final List<Map<String, int[]>> headerValues;

        private Index(int words, long[] unkeyed, Map<String, int[]> exactPaths, PrefixTrie prefixes,
                      String[] headerNames, List<Map<String, int[]>> headerValues) {
            this.words = words;
            this.unkeyed = unkeyed;
            this.exactPaths = exactPaths;
            this.prefixes = prefixes;
            this.headerNames = headerNames;
            this.headerValues = headerValues;
        }

        static Index build(Rule[] rules) {
            int words = (rules.length + 63) >>> 6;
            long[] unkeyed = new long[words];
            Map<String, List<Integer>> exact = new HashMap<>();
            TreeMap<String, List<Integer>> prefix = new TreeMap<>();
            Map<String, Map<String, List<Integer>>> headers = new TreeMap<>();
            for (int i = 0; i < rules.length; i++) {
                Rule rule = rules[i];
                if (rule.all) {
                    unkeyed[i >>> 6] |= 1L << i;
                    continue;
                }
                for (Block[] conj : rule.alternatives) {
                    if (!key(conj, i, exact, prefix, headers)) {
                        unkeyed[i >>> 6] |= 1L << i;
                    }
                }
            }
            String[] names = headers.keySet().toArray(new String[0]);
            List<Map<String, int[]>> values = new ArrayList<>();
            for (String n : names) {
                values.add(freeze(headers.get(n)));
            }
            return new Index(words, unkeyed, freeze(exact), PrefixTrie.build(prefix), names, values);
        }

        /** Files alternative {@code conj} of rule {@code i} under one key; false when it has none. */
        private static boolean key(Block[] conj, int i, Map<String, List<Integer>> exact,
                                   TreeMap<String, List<Integer>> prefix,
                                   Map<String, Map<String, List<Integer>>> headers) {
            for (Block b : conj) {
                if (b.uri != null && b.uri.exactValue() != null) {
                    exact.computeIfAbsent(b.uri.exactValue(), k -> new ArrayList<>()).add(i);
                    return true;
                }
            }
            for (Block b : conj) {
                if (b.uri != null && b.uri.requiredPrefix() != null) {
                    prefix.computeIfAbsent(b.uri.requiredPrefix(), k -> new ArrayList<>()).add(i);
                    return true;
                }
            }
            for (Block b : conj) {
                for (int h = 0; h < b.headers.length; h++) {
                    String v = b.headers[h].exactValue();
                    if (v != null) {
                        headers.computeIfAbsent(b.headerNames[h], k -> new HashMap<>())
                                .computeIfAbsent(v, k -> new ArrayList<>()).add(i);
                        return true;
                    }
                }
            }
            return false;
        }

        private static Map<String, int[]> freeze(Map<String, List<Integer>> m) {
            Map<String, int[]> out = new HashMap<>();
            m.forEach((k, v) -> out.put(k, v.stream().mapToInt(Integer::intValue).distinct().toArray()));
            return out;
        }

        void candidates(RequestView r, String path, long[] bits) {
            System.arraycopy(unkeyed, 0, bits, 0, words);
            set(bits, exactPaths.get(path));
            prefixes.collect(path, bits);
            for (int h = 0; h < headerNames.length; h++) {
                String v = r.header(headerNames[h]);
                if (v != null) {
                    set(bits, headerValues.get(h).get(v));
                }
            }
        }

        static void set(long[] bits, int[] rules) {
            if (rules != null) {
                for (int i : rules) {
                    bits[i >>> 6] |= 1L << i;
                }
            }
        }
    }

    /** Path prefixes in a character trie; walking a path collects the rules of every prefix it starts with. */
    static final class PrefixTrie {
        private final char[] keys;
        private final PrefixTrie[] children;
        private final int[] rules;

        private PrefixTrie(char[] keys, PrefixTrie[] children, int[] rules) {
            this.keys = keys;
            this.children = children;
            this.rules = rules;
        }

        static PrefixTrie build(TreeMap<String, List<Integer>> prefixes) {
            return build(prefixes, "");
        }

        private static PrefixTrie build(TreeMap<String, List<Integer>> prefixes, String at) {
            List<Integer> here = prefixes.get(at);
            TreeMap<Character, Boolean> next = new TreeMap<>();
            for (String p : prefixes.subMap(at, true, at + Character.MAX_VALUE, true).keySet()) {
                if (p.length() > at.length() && p.startsWith(at)) {
                    next.put(p.charAt(at.length()), Boolean.TRUE);
                }
            }
            char[] keys = new char[next.size()];
            PrefixTrie[] children = new PrefixTrie[next.size()];
            int k = 0;
            for (char c : next.keySet()) {
                keys[k] = c;
                children[k++] = build(prefixes, at + c);
            }
            int[] rules = here == null ? null : here.stream().mapToInt(Integer::intValue).distinct().toArray();
            return new PrefixTrie(keys, children, rules);
        }

        void collect(String path, long[] bits) {
            PrefixTrie node = this;
            Index.set(bits, node.rules);
            for (int i = 0; i < path.length(); i++) {
                int k = Arrays.binarySearch(node.keys, path.charAt(i));
                if (k < 0) {
                    return;
                }
                node = node.children[k];
                Index.set(bits, node.rules);
            }
        }
    }
}
