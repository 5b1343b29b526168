package io.inmesh.config.internal.compile;

import io.inmesh.config.VirtualService.HttpMatchRequest;
import java.util.List;
import java.util.Map;

/**
 * One compiled match block of an HTTP route: every condition present must hold (AND). Absent conditions are
 * null or empty. Header names are lower-case.
 */
public record CompiledMatch(
        HttpMatchRequest source,
        StringMatcher uri,
        StringMatcher scheme,
        StringMatcher method,
        StringMatcher authority,
        List<NamedMatcher> headers,
        List<NamedMatcher> withoutHeaders,
        List<NamedMatcher> queryParams,
        Integer port,
        Map<String, String> sourceLabels,
        String sourceNamespace,
        boolean meshGateway) {

    /** A matcher on a named header or query parameter. */
    public record NamedMatcher(String name, StringMatcher matcher) {
    }
}
