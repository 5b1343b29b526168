package io.inmesh.cli.internal;

/** The help texts. What they promise (streams, exit codes) is what the commands do; tests hold them to it. */
final class Usage {

    private Usage() {
    }

    static final String EXIT_CODES = """
            Exit codes:
              0  success: the configuration is valid (warnings allowed), or help was shown
              1  the configuration has at least one error (this includes files that are not
                 valid YAML, not UTF-8, too large, too deeply nested or expanding too far
                 through aliases)
              2  a usage problem (no paths, unknown option or command) or an I/O problem
                 (a path that does not exist or cannot be read); one line on stderr
              3  an internal error: a bug in InMesh; a stack trace is printed on stderr,
                 please report it
            """;

    static final String MAIN = """
            Usage: mesh COMMAND [OPTIONS] [ARGS...]

            Checks InMesh configuration: the Istio-format YAML (VirtualService,
            DestinationRule, ServiceEntry, WorkloadEntry, PeerAuthentication,
            AuthorizationPolicy, RequestAuthentication) and InMesh's LocalRateLimit.

            Commands:
              validate   read and validate configuration files and directories
              explain    show how the mesh routes one request: route, destinations,
                         retries, faults, mirrors, traffic policy and endpoints
              authorize  decide one inbound request to a workload with its
                         AuthorizationPolicies, and show its mTLS mode
              ca         create a CA, issue workload certificates (PEM files)

            Options:
              -h, --help  show this help

            Run 'mesh validate --help' (or 'mesh help explain') for the options of a
            command.

            """ + EXIT_CODES;

    static final String VALIDATE = """
            Usage: mesh validate [--json] [--verbose] [--] PATH...

            Reads every PATH as one set of resources and reports every problem found, not
            only the first. A PATH is a file (read whatever its name) or a directory (read
            recursively: *.yaml and *.yml files, hidden entries such as ConfigMap ..data
            skipped). Files are YAML, possibly with several documents separated by ---.

            Options:
                  --json     print one JSON object on stdout and nothing else there:
                               {"valid": true|false,
                                "diagnostics": [{"severity": "error"|"warning"|"info",
                                  "file", "line", "column", "kind", "namespace", "name",
                                  "field", "message"}]}
                             every diagnostic is listed, info included; fields that are
                             unknown are null, except line and column which are 0
              -v, --verbose  also list info diagnostics (documents of kinds InMesh does
                             not read, such as a Deployment, which are skipped)
              -h, --help     show this help
                  --         end of options: every later argument is a PATH

            Output:
              stdout  one line per diagnostic, in file order:
                        FILE:LINE:COL: error|warning|info: KIND NS/NAME: FIELD: MESSAGE
                      (parts that are unknown are left out)
              stderr  a summary line, such as "2 errors, 1 warning in 3 files", and any
                      usage or I/O problem

            """ + EXIT_CODES;

    static final String EXPLAIN = """
            Usage: mesh explain --config PATH [--config PATH]... [--namespace NS]
                                [--source-labels K=V,K=V] [-H 'Name: value']... [--json]
                                [--] METHOD URL

            Shows how the mesh routes one request from one caller: the VirtualService
            and rule that match, the destinations with their weights, the timeout,
            retries, fault injection and mirrors of the rule, and for each destination
            the DestinationRule policy in force and the endpoints it reaches.
            The configuration is read as 'mesh validate' reads it; when it has errors,
            they are printed as 'mesh validate' prints them and nothing is explained.

            Arguments:
              METHOD  the HTTP method, such as GET
              URL     an absolute http:// or https:// URL, as the caller sends it:
                      http://reviews:9080/reviews/1 (a short host is completed in the
                      caller's namespace: reviews.NS.svc.cluster.local)

            Options:
                  --config PATH          a configuration file or directory (directories
                                         are read recursively: *.yaml and *.yml); repeat
                                         for several; at least one is required
              -n, --namespace NS         the caller's namespace (default: default)
                  --source-labels K=V,.. the caller's labels, for sourceLabels matches
              -H, --header 'Name: value' a request header; repeat for several (the first
                                         of a repeated name counts)
                  --json                 print one JSON object on stdout instead of text
              -h, --help                 show this help
                  --                     end of options: METHOD and URL follow
            Options taking a value also accept --option=value.

            Status:
              ROUTED           a rule matched and routes to the destinations shown
              PASSTHROUGH      no VirtualService applies: the request goes to the host
              NO_ROUTE         VirtualServices apply but no rule matched: 404 (NR)
              REDIRECT         the rule answers with a redirect
              DIRECT_RESPONSE  the rule answers with a fixed response

            JSON (--json), keys in this order:
              {"host": FQDN, "virtualService": "NS/NAME"|null, "status": STATUS,
               "route": {"index", "name"}|null,
               "destinations": [{"host", "subset", "port", "weight", "share" (0..1),
                 "undefinedSubset", "endpoints": [{"address", "port", "labels",
                 "serviceAccount", "weight"}]|null (not in the registry: DNS)}],
               "timeoutMs": N|null, "retries": {"attempts", "perTryTimeoutMs",
                 "retryOn", "retriableStatusCodes", "retryIgnorePreviousHosts",
                 "backoffMs", "default"}|null (null: nothing is sent upstream),
               "fault": {"delay": {"fixedDelayMs", "percentage"}|null,
                 "abort": {"httpStatus", "grpcStatus", "percentage"}|null}|null,
               "mirrors": [{"host", "subset", "percentage", "port",
                 "undefinedSubset"}],
               "trafficPolicy": [one per destination: {"host", "subset", "port",
                 "destinationRule", "subsetLabels", "loadBalancer", "connectionPool",
                 "outlierDetection", "tls", "retryBudget"}],
               "port": N, "caller": {"namespace", "labels"}, "rewrite",
               "redirect": {..., "location", "status" (what the mesh answers)}|null,
               "directResponse": {...}|null, "notes": [TEXT],
               "upstreamPath" (after rewrite, with the query), "upstreamAuthority"
                 (both null when nothing is sent upstream)}
              Durations are in milliseconds. In trafficPolicy, Istio's defaults are
              filled in; null means none or unlimited (a connection pool limit, no
              outlier detection, auto mTLS, no retry budget).

            Output:
              stdout  the explanation, or the diagnostics of an invalid configuration
                      (with --json: mesh validate's JSON object)
              stderr  warnings about the configuration, usage and I/O problems

            Exit codes:
              0  the request was explained (whatever its status)
              1  the configuration has at least one error: nothing explained
              2  a usage problem (a missing or bad METHOD, URL, -H header, label pair
                 or namespace, an unknown option, no --config) or an I/O problem (a
                 path that does not exist or cannot be read); one line on stderr
              3  an internal error: a bug in InMesh; a stack trace is printed on stderr,
                 please report it
            """;

    static final String AUTHORIZE = """
            Usage: mesh authorize --config PATH [--config PATH]... [--namespace NS]
                                  [--workload-labels K=V,K=V] [--port N] [--host HOST]
                                  [--principal TD/ns/NS/sa/SA] [--source-ip IP]
                                  [--request-principal ISS/SUB] [--claim NAME=VALUE]...
                                  [-H 'Name: value']... [--json] [--] METHOD PATH

            Decides one request arriving at the workload with those labels in NS, as the
            workload's inbound filter would: the AuthorizationPolicies in force (mesh,
            namespace, selector) in Istio's order (DENY, then ALLOW; CUSTOM is ignored,
            AUDIT never decides), after normalising the path. Also shows the mTLS mode
            its PeerAuthentications set for the port. The configuration is read as
            'mesh validate' reads it; when it has errors, they are printed as
            'mesh validate' prints them and nothing is decided.

            Arguments:
              METHOD  the HTTP method, such as GET (upper-cased)
              PATH    the request path as sent, percent-encoded, with an optional
                      query: /productpage, /api/%61dmin?x=1

            Options:
                  --config PATH             a configuration file or directory (read
                                            recursively: *.yaml and *.yml); repeat for
                                            several; at least one is required
              -n, --namespace NS            the workload's namespace (default: default)
                  --workload-labels K=V,..  the workload's labels, for policy selectors
                  --port N                  the port the request arrives at (default:
                                            the port of --host, else 80)
                  --host HOST               the Host header, possibly with a port
                                            (default: none)
                  --principal TD/ns/NS/sa/SA
                                            the caller's mTLS identity, as policies write
                                            principals (default: none: plaintext)
                  --source-ip IP            the caller's address (default: 127.0.0.1);
                                            also remote.ip: X-Forwarded-For is not trusted
                  --request-principal ISS/SUB
                                            the verified JWT's issuer and subject
                                            (default: no JWT)
                  --claim NAME=VALUE        a claim of that JWT; repeat a name for a list;
                                            nested claims as a][b=VALUE; aud and azp
                                            give the audiences and the presenter
              -H, --header 'Name: value'    a request header; repeat for several (a
                                            repeated name keeps every value)
                  --json                    print one JSON object on stdout instead of
                                            text
              -h, --help                    show this help
                  --                        end of options: METHOD and PATH follow
            Options taking a value also accept --option=value.

            JSON (--json), keys in this order:
              {"decision": "ALLOW"|"DENY", "policy": "NS/NAME"|null (the deciding
               policy; null when no policy applies or none matched), "action":
               "ALLOW"|"DENY"|null, "reason": TEXT, "httpStatus": null|403|400 (400:
               the path is rejected before authorization), "mtlsMode": "STRICT"|
               "PERMISSIVE"|"DISABLE", "mtlsPolicy": "NS/NAME"|null, "path": the
               normalised path|null, "workload": {"namespace", "labels"}, "port": N,
               "policies": ["NS/NAME (ACTION)"], "notes": [TEXT]}

            Output:
              stdout  the decision, or the diagnostics of an invalid configuration
                      (with --json: mesh validate's JSON object)
              stderr  warnings about the configuration, usage and I/O problems

            Exit codes:
              0  the request is allowed
              1  the configuration has at least one error: nothing decided
              2  a usage problem (a missing or bad METHOD, PATH, option value or
                 header, an unknown option, no --config) or an I/O problem (a path
                 that does not exist or cannot be read); one line on stderr
              3  an internal error: a bug in InMesh; a stack trace is printed on stderr,
                 please report it
              4  the request is denied (403, or 400 for a rejected path)
            """;

    static final String CA = """
            Usage: mesh ca init --dir DIR [--trust-domain TD]
                   mesh ca issue --dir DIR --spiffe-id ID --out OUTDIR [--ttl 24h]

            The built-in CA, on the command line. 'init' creates a root CA in DIR, the
            directory the built-in certificate source (CertificateSources.builtInCa)
            reads: root-cert.pem and root-key.pem (mode 0600), an ECDSA P-256 root
            valid for ten years whose URI SAN names the trust domain. 'issue' issues a
            workload certificate (an X.509-SVID: the SPIFFE ID as its one URI SAN,
            CA:FALSE, digitalSignature, serverAuth and clientAuth) from the CA in DIR,
            a root or an intermediate in the layout of Istio's cacerts secret
            (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem), and writes
            Istio's file names to OUTDIR (created when missing; files replaced):
              cert-chain.pem  the certificate, then the CA's intermediates
              key.pem         its ECDSA P-256 private key, PKCS#8 (mode 0600)
              root-cert.pem   the trust anchors
            'openssl verify -CAfile root-cert.pem cert-chain.pem' accepts them; the
            PEM file source (CertificateSources.pemFiles) reads them.

            Options:
                  --dir DIR            the CA directory (init: created when missing,
                                       refused when it holds a CA already)
                  --trust-domain TD    init: the trust domain (default: cluster.local)
                  --spiffe-id ID       issue: spiffe://TD/ns/NAMESPACE/sa/ACCOUNT, in
                                       the CA's trust domain
                  --out OUTDIR         issue: where to write the three files
                  --ttl DURATION       issue: validity, such as 24h, 90m or 1h30m
                                       (default: 24h; cut to the CA's own expiry)
              -h, --help               show this help
            Options taking a value also accept --option=value.

            Output:
              stdout  what was created, with the file paths
              stderr  usage and I/O problems, and a note when --ttl was cut short

            Exit codes:
              0  the CA was created or the certificate issued, or help was shown
              2  a usage problem (a missing or bad option, an ID outside the CA's
                 trust domain) or an I/O problem (DIR holds a CA already, holds no CA
                 or a corrupt one, a file cannot be written); one line on stderr
              3  an internal error: a bug in InMesh; a stack trace is printed on stderr,
                 please report it
            """;
}
