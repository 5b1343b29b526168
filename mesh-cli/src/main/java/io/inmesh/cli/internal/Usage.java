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

            Options:
              -h, --help  show this help

            Run 'mesh validate --help' for the options of a command.

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
}
