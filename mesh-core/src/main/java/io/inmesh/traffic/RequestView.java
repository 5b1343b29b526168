package io.inmesh.traffic;

/**
 * What route selection sees of an outgoing request. Adapters implement it over their own request type without
 * copying; every method may be called several times and should not allocate.
 */
public interface RequestView {

    /** The HTTP method, upper case. */
    String method();

    /** {@code http} or {@code https}. */
    String scheme();

    /** The host as the caller addressed it (no port), lower case. */
    String host();

    /** The port the caller addressed (the scheme's default when none was given). */
    int port();

    /** The authority as sent: {@code host} or {@code host:port} when the port is not the scheme's default. */
    String authority();

    /** The path, percent-encoded as sent, without the query; {@code /} at least. */
    String path();

    /** The raw query after {@code ?}, or null. */
    String query();

    /** The first value of header {@code lowerCaseName}, or null when absent. */
    String header(String lowerCaseName);

    /** The first value of query parameter {@code name} (decoded), or null when absent. */
    String queryParameter(String name);

    /** The value of cookie {@code name} from the {@code Cookie} header, or null. */
    default String cookie(String name) {
        return Cookies.find(header("cookie"), name);
    }
}
