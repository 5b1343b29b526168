package io.inmesh.cli.internal;

import io.inmesh.security.SpiffeId;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The arguments of {@code mesh ca init} and {@code mesh ca issue}.
 *
 * @param help        {@code --help} was given: show the usage and do nothing else
 * @param action      {@code init} or {@code issue}; null with {@code help} and no action
 * @param dir         the CA directory
 * @param trustDomain {@code init}: the trust domain of the new CA
 * @param spiffeId    {@code issue}: the workload's SPIFFE ID
 * @param out         {@code issue}: the directory to write the PEM files to
 * @param ttl         {@code issue}: how long the certificate is valid
 */
record CaOptions(boolean help, String action, Path dir, String trustDomain, SpiffeId spiffeId, Path out,
                 Duration ttl) {

    static final String COMMAND = "ca";
    static final Duration DEFAULT_TTL = Duration.ofHours(24);
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|h|m|s)");

    /** Parses the arguments after {@code ca}: the action, then its options. */
    static CaOptions parse(List<String> args) throws UsageException {
        if (args.isEmpty()) {
            throw new UsageException(COMMAND, "missing action: 'init' (create a CA) or 'issue' (issue a workload"
                    + " certificate)");
        }
        String action = args.get(0);
        if (action.equals("-h") || action.equals("--help")) {
            return new CaOptions(true, null, null, null, null, null, null);
        }
        if (!action.equals("init") && !action.equals("issue")) {
            throw new UsageException(COMMAND, "unknown action '" + Cli.printable(action)
                    + "': expected 'init' or 'issue'");
        }
        boolean init = action.equals("init");
        Path dir = null;
        String trustDomain = null;
        SpiffeId spiffeId = null;
        Path out = null;
        Duration ttl = null;
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            switch (name) {
                case "-h", "--help" -> {
                    return new CaOptions(true, action, null, null, null, null, null);
                }
                case "--dir" -> dir = path(name, once(name, dir, value != null ? value : next(args, ++i, a,
                        "the CA directory")));
                case "--trust-domain" -> {
                    onlyFor(init, "init", name);
                    trustDomain = trustDomain(once(name, trustDomain, value != null ? value
                            : next(args, ++i, a, "a trust domain, such as cluster.local")));
                }
                case "--spiffe-id" -> {
                    onlyFor(!init, "issue", name);
                    spiffeId = spiffeId(once(name, spiffeId, value != null ? value
                            : next(args, ++i, a, "spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT")));
                }
                case "--out" -> {
                    onlyFor(!init, "issue", name);
                    out = path(name, once(name, out, value != null ? value : next(args, ++i, a,
                            "the directory to write cert-chain.pem, key.pem and root-cert.pem to")));
                }
                case "--ttl" -> {
                    onlyFor(!init, "issue", name);
                    ttl = duration(once(name, ttl, value != null ? value : next(args, ++i, a,
                            "a duration, such as 24h or 90m")));
                }
                default -> throw new UsageException(COMMAND, a.startsWith("-")
                        ? "unknown option '" + Cli.printable(a) + "' for 'ca " + action + "'"
                        : "unexpected argument '" + Cli.printable(a) + "': 'ca " + action + "' takes options only");
            }
        }
        if (dir == null) {
            throw new UsageException(COMMAND, "no --dir given: name the CA directory with --dir DIR");
        }
        if (init) {
            return new CaOptions(false, action, dir, trustDomain == null ? SpiffeId.DEFAULT_TRUST_DOMAIN : trustDomain,
                    null, null, null);
        }
        if (spiffeId == null) {
            throw new UsageException(COMMAND, "no --spiffe-id given: name the workload, as in --spiffe-id"
                    + " spiffe://cluster.local/ns/default/sa/reviews");
        }
        if (out == null) {
            throw new UsageException(COMMAND, "no --out given: name the directory to write the PEM files to");
        }
        if (out.toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize())) {
            throw new UsageException(COMMAND, "--out is the CA directory: write workload files elsewhere (they would"
                    + " replace the CA's own root-cert.pem and cert-chain.pem)");
        }
        return new CaOptions(false, action, dir, null, spiffeId, out, ttl == null ? DEFAULT_TTL : ttl);
    }

    private static <T> String once(String option, T previous, String value) throws UsageException {
        if (previous != null) {
            throw new UsageException(COMMAND, "option '" + option + "' given twice");
        }
        return value;
    }

    private static void onlyFor(boolean applies, String action, String option) throws UsageException {
        if (!applies) {
            throw new UsageException(COMMAND, "option '" + option + "' belongs to 'ca " + action + "'");
        }
    }

    private static String next(List<String> args, int i, String option, String what) throws UsageException {
        if (i >= args.size()) {
            throw new UsageException(COMMAND, "option '" + option + "' needs a value: " + what);
        }
        return args.get(i);
    }

    private static Path path(String option, String value) throws UsageException {
        if (value.isEmpty()) {
            throw new UsageException(COMMAND, "an empty path was given to " + option);
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new UsageException(COMMAND, option + " '" + Cli.printable(value) + "' is not a valid path ("
                    + e.getReason() + ")");
        }
    }

    private static String trustDomain(String value) throws UsageException {
        try {
            return new SpiffeId(value, "/ns/default/sa/default").trustDomain();
        } catch (IllegalArgumentException e) {
            throw new UsageException(COMMAND, "--trust-domain: " + Text.escapeControls(e.getMessage()));
        }
    }

    private static SpiffeId spiffeId(String value) throws UsageException {
        try {
            return SpiffeId.parse(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException(COMMAND, "--spiffe-id: " + Text.escapeControls(e.getMessage()));
        }
    }

    /**
     * A Go-style duration, as Istio writes them: one or more of a whole number and a unit, {@code h}, {@code m},
     * {@code s} or {@code ms} ({@code 24h}, {@code 90m}, {@code 1h30m}). Must be positive.
     */
    static Duration duration(String value) throws UsageException {
        Matcher m = DURATION_PART.matcher(value);
        Duration total = Duration.ZERO;
        int end = 0;
        try {
            while (m.lookingAt()) {
                long n = Long.parseLong(m.group(1));
                Duration part = switch (m.group(2)) {
                    case "h" -> Duration.ofHours(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "s" -> Duration.ofSeconds(n);
                    default -> Duration.ofMillis(n);
                };
                total = total.plus(part);
                end = m.end();
                m.region(end, value.length());
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new UsageException(COMMAND, "--ttl '" + Cli.printable(value) + "' is too long");
        }
        if (end == 0 || end != value.length()) {
            throw new UsageException(COMMAND, "--ttl '" + Cli.printable(value) + "' is not a duration: expected"
                    + " a number and a unit (h, m, s or ms), such as 24h, 90m or 1h30m"
                    + (value.endsWith("d") ? "; days are written in hours (7d = 168h)" : ""));
        }
        if (total.isZero()) {
            throw new UsageException(COMMAND, "--ttl '" + Cli.printable(value) + "' is zero: expected a positive"
                    + " duration");
        }
        return total;
    }
}
