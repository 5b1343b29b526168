package io.inmesh.spring.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.security.InboundDecision;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * The request and response wrappers of the servlet filter, over Spring's servlet test doubles: header changes of an
 * inbound decision, removed query parameters, and byte counts.
 */
class MeshWrappersTest {

    static InboundDecision allowed(Map<String, String> set, List<String> remove, List<String> removeQuery) {
        return new InboundDecision(InboundDecision.Outcome.ALLOWED, 200, "", "-", null, null, null, null, Map.of(),
                set, remove, removeQuery, "allowed");
    }

    @Test
    void headerChangesOfTheDecisionAreWhatTheApplicationSees() {
        MockHttpServletRequest raw = new MockHttpServletRequest("GET", "/x");
        raw.addHeader("Authorization", "Bearer secret");
        raw.addHeader("X-Jwt-Claim-Sub", "forged");
        raw.addHeader("Accept", "text/plain");
        MeshRequest r = new MeshRequest(raw, allowed(Map.of("x-jwt-claim-sub", "alice"),
                List.of("authorization", "x-jwt-claim-sub"), List.of()));

        assertThat(r.getHeader("authorization")).isNull();
        assertThat(Collections.list(r.getHeaders("Authorization"))).isEmpty();
        assertThat(r.getHeader("X-JWT-Claim-Sub")).isEqualTo("alice");
        assertThat(Collections.list(r.getHeaders("x-jwt-claim-sub"))).containsExactly("alice");
        assertThat(r.getHeader("accept")).isEqualTo("text/plain");
        assertThat(Collections.list(r.getHeaderNames())).containsExactlyInAnyOrder("X-Jwt-Claim-Sub", "Accept");
    }

    @Test
    void removedQueryParametersAreGoneFromTheQueryAndTheParameters() {
        MockHttpServletRequest raw = new MockHttpServletRequest("GET", "/x");
        raw.setQueryString("a=1&access_token=secret&b=2");
        raw.addParameter("a", "1");
        raw.addParameter("access_token", "secret");
        raw.addParameter("b", "2");
        MeshRequest r = new MeshRequest(raw, allowed(Map.of(), List.of(), List.of("access_token")));

        assertThat(r.getQueryString()).isEqualTo("a=1&b=2");
        assertThat(r.getParameter("access_token")).isNull();
        assertThat(r.getParameterValues("access_token")).isNull();
        assertThat(r.getParameterMap()).containsOnlyKeys("a", "b");
        assertThat(Collections.list(r.getParameterNames())).containsExactly("a", "b");
    }

    @Test
    void bytesReadAreCountedWhenThereIsNoContentLength() throws Exception {
        MockHttpServletRequest raw = new MockHttpServletRequest("POST", "/x");
        raw.setContent("hello world".getBytes(StandardCharsets.US_ASCII));
        raw.removeHeader("Content-Length");
        MeshRequest r = new MeshRequest(raw, allowed(Map.of(), List.of(), List.of()));
        assertThat(r.getReader().readLine()).isEqualTo("hello world");
        assertThat(r.bytesRead()).isEqualTo(11);
        assertThat(r.bytesReceived()).isEqualTo(11);
    }

    @Test
    void bytesWrittenThroughTheStreamOrTheWriterAreCountedEncoded() throws Exception {
        MockHttpServletResponse raw = new MockHttpServletResponse();
        MeshResponse stream = new MeshResponse(raw);
        stream.getOutputStream().write(new byte[] {1, 2, 3});
        stream.getOutputStream().write(4);
        assertThat(stream.bytesSent()).isEqualTo(4);

        MockHttpServletResponse raw2 = new MockHttpServletResponse();
        raw2.setCharacterEncoding("UTF-8");
        MeshResponse writer = new MeshResponse(raw2);
        PrintWriter w = writer.getWriter();
        w.print("gr\u00fc\u00df");    // 6 bytes in UTF-8
        w.println();                  // the line separator
        w.write('\u20ac');            // 3 bytes
        w.write("\uD83D\uDE00");      // one emoji, 4 bytes
        w.printf("%d", 42);           // 2 bytes
        w.flush();
        long expected = raw2.getContentAsByteArray().length;
        assertThat(writer.bytesSent()).isEqualTo(expected)
                .isEqualTo(6 + System.lineSeparator().length() + 3 + 4 + 2);
    }
}
