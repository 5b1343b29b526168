package io.inmesh.samples.tracecontext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The W3C Trace Context test harness's checks ({@code w3c/trace-context} {@code test/test.py}, level 2), played
 * against the packaged service started with {@code java -jar target/tracecontext.jar --server.port=PORT}, as the
 * harness would: each test POSTs {@code /test} with exactly the harness's headers (a raw HTTP/1.1 request, so header
 * names, repeats and whitespace go out as written) and a list of callbacks to a local server, then checks the
 * callbacks' {@code traceparent} and {@code tracestate} with the harness's rules: exactly one well-formed
 * {@code traceparent}, every {@code tracestate} member well-formed.
 *
 * <p>Level 2 included: duplicate {@code traceparent} fields, {@code tracestate} fields combined in order, the
 * random-trace-id flag carried through the SDK's spans.
 */
class TraceContextConformanceIT {
    static final String T = "12345678901234567890123456789012";
    static final String P = "1234567890123456";
    static final Pattern TRACEPARENT = Pattern.compile("^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$");
    /** Level 2's key grammar: {@code ( lcalpha / DIGIT ) 0*255 keychar}, {@code @} an ordinary key character. */
    static final Pattern KEY = Pattern.compile("^[a-z0-9][a-z0-9_\\-*/@]{0,255}$");
    static final Pattern VALUE = Pattern.compile("^[\\x20-\\x2b\\x2d-\\x3c\\x3e-\\x7e]{0,255}[\\x21-\\x2b\\x2d-\\x3c\\x3e-\\x7e]$");
    static final Pattern MEMBER_SPLIT = Pattern.compile("[ \\t]*,[ \\t]*");

    static Process service;
    static int port;
    static Path log;
    static MockWebServer harness;
    static final AtomicInteger scopes = new AtomicInteger();
    /** Callback paths in the order they arrived. */
    static final ConcurrentLinkedQueue<String> arrivals = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() throws Exception {
        harness = new MockWebServer();
        harness.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                arrivals.add(request.getTarget());
                MockResponse.Builder ok = new MockResponse.Builder().code(200).body("{}");
                if (request.getTarget().contains("/slow/")) {
                    ok.headersDelay(300, TimeUnit.MILLISECONDS);
                }
                return ok.build();
            }
        });
        harness.start();
        String jar = System.getProperty("tracecontext.jar", "target/tracecontext.jar");
        assertThat(Path.of(jar)).as("the packaged service (mvn package builds it)").exists();
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        log = Files.createTempFile("tracecontext-service", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        service = new ProcessBuilder(java, "-Xmx256m", "-jar", jar, "--server.port=" + port,
                "--server.address=127.0.0.1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            if (!service.isAlive()) {
                fail("the service exited with " + service.exitValue() + ":\n" + Files.readString(log));
            }
            try {
                if (post("[]", List.of()) == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                fail("the service did not answer within 90 s:\n" + Files.readString(log));
            }
            Thread.sleep(250);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            service.destroy();
            if (!service.waitFor(20, TimeUnit.SECONDS)) {
                service.destroyForcibly();
            }
        }
        if (harness != null) {
            harness.close();
        }
    }

    /** POSTs {@code body} to /test with these headers, written as given; the answer's status. */
    static int post(String body, List<String[]> headers) throws IOException {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder("POST /test HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: "
                + content.length + "\r\nConnection: close\r\n");
        for (String[] h : headers) {
            b.append(h[0]).append(':').append(h[1]).append("\r\n");
        }
        b.append("\r\n");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(content);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream response = new ByteArrayOutputStream();
            in.transferTo(response);
            String text = response.toString(StandardCharsets.ISO_8859_1);
            if (!text.startsWith("HTTP/1.1 ")) {
                throw new IOException("not an HTTP answer: " + text);
            }
            return Integer.parseInt(text.substring(9, 12));
        }
    }

    /** {@code name: value} pairs, as the harness's test headers. */
    static List<String[]> headers(String... namesAndValues) {
        List<String[]> list = new ArrayList<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            list.add(new String[] {namesAndValues[i], namesAndValues[i + 1]});
        }
        return list;
    }

    /** Runs one /test with {@code count} callbacks and returns what the callbacks received, in order. */
    static List<RecordedRequest> callbacks(int count, List<String[]> headers) throws Exception {
        return callbacks(count, headers, false);
    }

    static List<RecordedRequest> callbacks(int count, List<String[]> headers, boolean slowFirst) throws Exception {
        int scope = scopes.incrementAndGet();
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            String path = (slowFirst && i == 0 ? "/slow" : "") + "/callback/" + scope + "." + i;
            body.append(i == 0 ? "" : ",").append("{\"url\": \"").append(harness.url(path))
                    .append("\", \"arguments\": []}");
        }
        body.append("]");
        int status = post(body.toString(), headers);
        assertThat(status).as("the service's answer (log: %s)", log).isEqualTo(200);
        List<RecordedRequest> seen = new ArrayList<>();
        while (seen.size() < count) {
            RecordedRequest r = harness.takeRequest(1, TimeUnit.SECONDS);
            assertThat(r).as("callback %s of scope %s was made before /test answered", seen.size(), scope)
                    .isNotNull();
            if (r.getTarget().endsWith("/callback/" + scope + "." + seen.size())) {
                assertThat(r.getMethod()).isEqualTo("POST");
                assertThat(r.getHeaders().get("Content-Type")).startsWith("application/json");
                assertThat(r.getBody().utf8()).isEqualTo("[]");
                seen.add(r);
            }
        }
        return seen;
    }

    static RecordedRequest callback(String... namesAndValues) throws Exception {
        return callbacks(1, headers(namesAndValues)).get(0);
    }

    /** The harness's {@code get_traceparent}: exactly one header, well-formed. */
    record Traceparent(String version, String traceId, String parentId, String flags) {
        static Traceparent of(RecordedRequest r) {
            List<String> values = r.getHeaders().values("traceparent");
            assertThat(values).as("exactly one traceparent header").hasSize(1);
            Matcher m = TRACEPARENT.matcher(values.get(0));
            assertThat(m.matches()).as("well-formed traceparent: %s", values.get(0)).isTrue();
            assertThat(m.group(1)).as("version").isEqualTo("00");
            return new Traceparent(m.group(1), m.group(2), m.group(3), m.group(4));
        }
    }

    /** The harness's {@code get_tracestate}: every field combined in order, each member well-formed, first wins. */
    static Map<String, String> tracestate(RecordedRequest r) {
        Map<String, String> members = new LinkedHashMap<>();
        for (String field : r.getHeaders().values("tracestate")) {
            for (String member : MEMBER_SPLIT.split(field.strip(), -1)) {
                if (member.isBlank()) {
                    continue;
                }
                int eq = member.indexOf('=');
                assertThat(eq).as("member %s has a '='", member).isPositive();
                String key = member.substring(0, eq);
                String value = member.substring(eq + 1);
                assertThat(KEY.matcher(key).matches()).as("valid tracestate key %s", key).isTrue();
                assertThat(VALUE.matcher(value).matches()).as("valid tracestate value %s", value).isTrue();
                members.putIfAbsent(key, value);
            }
        }
        return members;
    }

    static String z(int n) {
        return "z".repeat(n);
    }

    @Nested
    class Traceparents {
        @Test
        void bothMissingGivesOneValidTraceparent() throws Exception {
            Traceparent.of(callback());
        }

        @Test
        void aValidTraceparentKeepsTheTraceIdAndFlagsWithANewParentId() throws Exception {
            Traceparent tp = Traceparent.of(callback("traceparent", "00-" + T + "-" + P + "-01"));
            assertThat(tp.traceId()).isEqualTo(T);
            assertThat(tp.parentId()).isNotEqualTo(P);
            assertThat(tp.flags()).isEqualTo("01");
            Traceparent unsampled = Traceparent.of(callback("traceparent", "00-" + T + "-" + P + "-00"));
            assertThat(unsampled.traceId()).isEqualTo(T);
            assertThat(unsampled.parentId()).isNotEqualTo(P);
            assertThat(unsampled.flags()).as("an unsampled caller stays unsampled").isEqualTo("00");
        }

        @Test
        void aDuplicatedTraceparentStartsANewTrace() throws Exception {
            Traceparent tp = Traceparent.of(callbacks(1, headers(
                    "traceparent", "00-12345678901234567890123456789011-" + P + "-01",
                    "traceparent", "00-12345678901234567890123456789012-" + P + "-01")).get(0));
            assertThat(tp.traceId()).isNotEqualTo("12345678901234567890123456789011")
                    .isNotEqualTo("12345678901234567890123456789012");
        }

        @Test
        void otherHeaderNamesAreNotTraceparent() throws Exception {
            for (String name : List.of("trace-parent", "trace.parent")) {
                assertThat(Traceparent.of(callback(name, "00-" + T + "-" + P + "-01")).traceId())
                        .as(name).isNotEqualTo(T);
            }
        }

        @Test
        void theHeaderNameIsCaseInsensitive() throws Exception {
            for (String name : List.of("TraceParent", "TrAcEpArEnT", "TRACEPARENT")) {
                assertThat(Traceparent.of(callback(name, "00-" + T + "-" + P + "-01")).traceId())
                        .as(name).isEqualTo(T);
            }
        }

        @Test
        void version00WithTrailingDataIsInvalid() throws Exception {
            for (String v : List.of("00-" + T + "-" + P + "-01.", "00-" + T + "-" + P + "-01-what-the-future-will-be-like")) {
                assertThat(Traceparent.of(callback("traceparent", v)).traceId()).as(v).isNotEqualTo(T);
            }
        }

        @Test
        void aHigherVersionIsReadAsFarAsVersion00Goes() throws Exception {
            assertThat(Traceparent.of(callback("traceparent", "cc-" + T + "-" + P + "-01")).traceId()).isEqualTo(T);
            assertThat(Traceparent.of(callback("traceparent",
                    "cc-" + T + "-" + P + "-01-what-the-future-will-be-like")).traceId()).isEqualTo(T);
            assertThat(Traceparent.of(callback("traceparent",
                    "cc-" + T + "-" + P + "-01.what-the-future-will-be-like")).traceId()).isNotEqualTo(T);
        }

        @Test
        void invalidVersionsStartANewTrace() throws Exception {
            for (String version : List.of("ff", ".0", "0.", "000", "0000", "0", "0A")) {
                String v = version + "-" + T + "-" + P + "-01";
                assertThat(Traceparent.of(callback("traceparent", v)).traceId()).as(v).isNotEqualTo(T);
            }
        }

        @Test
        void anAllZeroTraceIdIsInvalid() throws Exception {
            Traceparent tp = Traceparent.of(callback("traceparent", "00-" + "0".repeat(32) + "-" + P + "-01"));
            assertThat(tp.traceId()).isNotEqualTo("0".repeat(32));
        }

        @Test
        void malformedTraceIdsStartANewTrace() throws Exception {
            for (String id : List.of(".2345678901234567890123456789012", "1234567890123456789012345678901.",
                    "1234567890123456789012345678901", "ABCDEF78901234567890123456789012")) {
                Traceparent tp = Traceparent.of(callback("traceparent", "00-" + id + "-" + P + "-01"));
                assertThat(tp.traceId()).as(id).isNotEqualTo(id).isNotEqualTo(id.toLowerCase());
            }
            String tooLong = "123456789012345678901234567890123";
            Traceparent tp = Traceparent.of(callback("traceparent", "00-" + tooLong + "-" + P + "-01"));
            assertThat(tp.traceId()).isNotEqualTo(tooLong.substring(0, 32)).isNotEqualTo(tooLong.substring(1));
        }

        @Test
        void malformedParentIdsStartANewTrace() throws Exception {
            for (String id : List.of("0000000000000000", ".234567890123456", "123456789012345.",
                    "12345678901234567", "123456789012345", "ABCDEF7890123456")) {
                String v = "00-" + T + "-" + id + "-01";
                assertThat(Traceparent.of(callback("traceparent", v)).traceId()).as(v).isNotEqualTo(T);
            }
        }

        @Test
        void malformedFlagsStartANewTrace() throws Exception {
            for (String flags : List.of(".0", "0.", "001", "1", "0A")) {
                String v = "00-" + T + "-" + P + "-" + flags;
                assertThat(Traceparent.of(callback("traceparent", v)).traceId()).as(v).isNotEqualTo(T);
            }
        }

        @Test
        void whitespaceAroundTheValueIsIgnored() throws Exception {
            for (String v : List.of(" 00-" + T + "-" + P + "-01", "\t00-" + T + "-" + P + "-01",
                    "00-" + T + "-" + P + "-01 ", "00-" + T + "-" + P + "-01\t", "\t 00-" + T + "-" + P + "-01 \t")) {
                assertThat(Traceparent.of(callback("traceparent", v)).traceId()).as("[%s]", v).isEqualTo(T);
            }
        }

        @Test
        void theRandomTraceIdFlagIsPropagated() throws Exception {
            Traceparent tp = Traceparent.of(callback("traceparent", "00-" + T + "-" + P + "-02"));
            assertThat(tp.traceId()).isEqualTo(T);
            assertThat(tp.parentId()).isNotEqualTo(P);
            assertThat(Integer.parseInt(tp.flags(), 16) & 0x02).as("random-trace-id flag").isEqualTo(0x02);
        }
    }

    @Nested
    class Tracestates {
        final String tp = "00-" + T + "-" + P + "-00";

        @Test
        void withoutATraceparentTheTracestateIsNotPassedOn() throws Exception {
            Map<String, String> one = tracestate(callback("tracestate", "foo=1"));
            Map<String, String> two = tracestate(callback("tracestate", "foo=1,bar=2"));
            assertThat(one).hasSameSizeAs(two).doesNotContainKey("foo");
        }

        @Test
        void aValidTracestateIsPassedOnWithTheTraceparent() throws Exception {
            RecordedRequest r = callback("traceparent", tp, "tracestate", "foo=1,bar=2");
            assertThat(Traceparent.of(r).traceId()).isEqualTo(T);
            assertThat(tracestate(r)).containsEntry("foo", "1").containsEntry("bar", "2");
        }

        @Test
        void otherHeaderNamesAreNotTracestate() throws Exception {
            for (String name : List.of("trace-state", "trace.state")) {
                assertThat(tracestate(callback("traceparent", tp, name, "foo=1"))).as(name).doesNotContainKey("foo");
            }
        }

        @Test
        void theHeaderNameIsCaseInsensitive() throws Exception {
            for (String name : List.of("TraceState", "TrAcEsTaTe", "TRACESTATE")) {
                assertThat(tracestate(callback("traceparent", tp, name, "foo=1"))).as(name).containsEntry("foo", "1");
            }
        }

        @Test
        void anEmptyTracestateIsIgnored() throws Exception {
            RecordedRequest r = callback("traceparent", tp, "tracestate", "");
            assertThat(Traceparent.of(r).traceId()).isEqualTo(T);
            assertThat(tracestate(callbacks(1, headers("traceparent", tp, "tracestate", "foo=1", "tracestate", ""))
                    .get(0))).containsEntry("foo", "1");
        }

        @Test
        void anEmptyFirstTracestateFieldIsIgnoredWhenCombining() throws Exception {
            assertThat(tracestate(callbacks(1, headers("traceparent", tp, "tracestate", "", "tracestate", "foo=1"))
                    .get(0))).containsEntry("foo", "1");
        }

        @Test
        void severalFieldsAreCombinedInOrder() throws Exception {
            Map<String, String> ts = tracestate(callbacks(1, headers("traceparent", tp,
                    "tracestate", "foo=1,bar=2", "tracestate", "rojo=1,congo=2", "tracestate", "baz=3")).get(0));
            assertThat(new ArrayList<>(ts.keySet())).containsExactly("foo", "bar", "rojo", "congo", "baz");
        }

        @Test
        void aDuplicatedKeyInOneFieldDiscardsTheTracestate() throws Exception {
            for (String value : List.of("foo=1,foo=1", "foo=1,foo=2")) {
                RecordedRequest r = callback("traceparent", tp, "tracestate", value);
                assertThat(Traceparent.of(r).traceId()).isEqualTo(T);
                assertThat(tracestate(r)).as(value).doesNotContainKey("foo");
            }
        }

        @Test
        void aDuplicatedKeyAcrossFieldsDiscardsTheTracestate() throws Exception {
            for (String second : List.of("foo=1", "foo=2")) {
                RecordedRequest r = callbacks(1, headers("traceparent", tp, "tracestate", "foo=1",
                        "tracestate", second)).get(0);
                assertThat(tracestate(r)).as(second).doesNotContainKey("foo");
            }
        }

        @Test
        void everyAllowedCharacterIsCarried() throws Exception {
            StringBuilder value = new StringBuilder();
            for (char c = 0x20; c <= 0x7e; c++) {
                if (c != ',' && c != '=') {
                    value.append(c);
                }
            }
            String key = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
            for (String k : List.of(key, key + "@a-z0-9_-*/")) {
                RecordedRequest r = callback("traceparent", tp, "tracestate", k + "=" + value);
                assertThat(tracestate(r)).as(k).containsEntry(k, value.toString());
            }
        }

        @Test
        void whitespaceAroundMembersIsIgnored() throws Exception {
            for (String v : List.of("foo=1 \t , \t bar=2, \t baz=3", "foo=1\t \t,\t \tbar=2,\t \tbaz=3")) {
                assertThat(tracestate(callback("traceparent", tp, "tracestate", v))).as("[%s]", v)
                        .containsEntry("foo", "1").containsEntry("bar", "2").containsEntry("baz", "3");
            }
            for (String v : List.of(" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t")) {
                assertThat(tracestate(callback("traceparent", tp, "tracestate", v))).as("[%s]", v)
                        .containsEntry("foo", "1");
            }
        }

        @Test
        void anIllegalKeyDiscardsIt() throws Exception {
            for (String v : List.of("foo =1", "FOO=1", "foo.bar=1")) {
                Map<String, String> ts = tracestate(callback("traceparent", tp, "tracestate", v));
                assertThat(ts).as(v).doesNotContainKeys("foo", "FOO", "foo.bar", "foo ");
            }
        }

        @Test
        void atSignsFollowTheLevel2KeyGrammar() throws Exception {
            // w3c/trace-context#583/#584: since level 2, "@" is an ordinary key character, never the first
            for (String v : List.of("foo@=1,bar=2", "foo@@bar=1,bar=2", "foo@bar@baz=1,bar=2")) {
                assertThat(tracestate(callback("traceparent", tp, "tracestate", v))).as(v).containsEntry("bar", "2");
            }
            assertThat(tracestate(callback("traceparent", tp, "tracestate", "@foo=1,bar=2"))).doesNotContainKey("bar");
        }

        @Test
        void thirtyTwoMembersInOneFieldAreCarriedThirtyThreeAreDiscarded() throws Exception {
            assertThat(tracestate(callback("traceparent", tp, "tracestate", members(1, 32)))).hasSize(32);
            assertThat(tracestate(callback("traceparent", tp, "tracestate", members(1, 33))))
                    .doesNotContainKey("bar01");
        }

        @Test
        void theMemberLimitCountsAcrossFields() throws Exception {
            assertThat(tracestate(callbacks(1, headers("traceparent", tp, "tracestate", members(1, 8),
                    "tracestate", members(9, 16), "tracestate", members(17, 24), "tracestate", members(25, 32)))
                    .get(0))).hasSize(32);
            assertThat(tracestate(callbacks(1, headers("traceparent", tp, "tracestate", members(1, 8),
                    "tracestate", members(9, 16), "tracestate", members(17, 24), "tracestate", members(25, 33)))
                    .get(0))).doesNotContainKey("bar01");
        }

        String members(int from, int to) {
            StringBuilder b = new StringBuilder();
            for (int i = from; i <= to; i++) {
                b.append(i == from ? "" : ",").append(String.format("bar%02d=%02d", i, i));
            }
            return b.toString();
        }

        @Test
        void keyLengthLimitsInOneField() throws Exception {
            assertThat(tracestate(callback("traceparent", tp, "tracestate", "foo=1," + z(256) + "=1")))
                    .containsEntry("foo", "1");
            assertThat(tracestate(callback("traceparent", tp, "tracestate", "foo=1," + z(257) + "=1")))
                    .doesNotContainKey("foo");
            assertThat(tracestate(callback("traceparent", tp, "tracestate",
                    "foo=1," + "t".repeat(241) + "@" + "v".repeat(14) + "=1"))).containsEntry("foo", "1");
            assertThat(tracestate(callback("traceparent", tp, "tracestate", "foo=1," + "t".repeat(242) + "@v=1")))
                    .as("level 2: 244 characters with an @ is a valid key").containsEntry("foo", "1");
            assertThat(tracestate(callback("traceparent", tp, "tracestate", "foo=1,t@" + "v".repeat(15) + "=1")))
                    .containsEntry("foo", "1");
            assertThat(tracestate(callback("traceparent", tp, "tracestate", "foo=1," + "t".repeat(250) + "@vvvvvv=1")))
                    .as("257 characters").doesNotContainKey("foo");
        }

        @Test
        void keyLengthLimitsAcrossFields() throws Exception {
            assertThat(tracestate(callbacks(1, headers("traceparent", tp, "tracestate", "foo=1",
                    "tracestate", z(257) + "=1")).get(0))).doesNotContainKey("foo");
            assertThat(tracestate(callbacks(1, headers("traceparent", tp, "tracestate", "foo=1",
                    "tracestate", "@" + "v".repeat(15) + "=1")).get(0))).doesNotContainKey("foo");
        }

        @Test
        void keysOfLegalLengthInASecondFieldKeepTheTracestate() throws Exception {
            assertThat(tracestate(callbacks(1, headers("traceparent", tp, "tracestate", "foo=1",
                    "tracestate", z(256) + "=1")).get(0))).containsEntry("foo", "1");
            assertThat(tracestate(callbacks(1, headers("traceparent", tp, "tracestate", "foo=1",
                    "tracestate", "t".repeat(241) + "@" + "v".repeat(14) + "=1")).get(0))).containsEntry("foo", "1");
        }

        @Test
        void anIllegalValueDiscardsTheTracestate() throws Exception {
            assertThat(tracestate(callback("traceparent", tp, "tracestate", "foo=bar=baz"))).doesNotContainKey("foo");
            assertThat(tracestate(callback("traceparent", tp, "tracestate", "foo=,bar=3")))
                    .doesNotContainKeys("foo", "bar");
        }
    }

    @Nested
    class SeveralCallbacks {
        @Test
        void withAValidTraceparentOneTraceAndADistinctParentPerCall() throws Exception {
            List<RecordedRequest> calls = callbacks(3, headers("traceparent", "00-" + T + "-" + P + "-01"));
            Set<String> traces = new HashSet<>();
            Set<String> parents = new HashSet<>();
            for (RecordedRequest r : calls) {
                Traceparent tp = Traceparent.of(r);
                traces.add(tp.traceId());
                parents.add(tp.parentId());
            }
            assertThat(traces).containsExactly(T);
            assertThat(parents).hasSize(3).doesNotContain(P);
        }

        @Test
        void withoutATraceparentADistinctParentPerCall() throws Exception {
            Set<String> parents = new HashSet<>();
            Set<String> traces = new HashSet<>();
            for (RecordedRequest r : callbacks(3, List.of())) {
                parents.add(Traceparent.of(r).parentId());
                traces.add(Traceparent.of(r).traceId());
            }
            assertThat(parents).hasSize(3);
            assertThat(traces).as("one trace, started by the service").hasSize(1);
        }

        @Test
        void withAnIllegalTraceparentNoZeroTraceAndADistinctParentPerCall() throws Exception {
            Set<String> parents = new HashSet<>();
            for (RecordedRequest r : callbacks(3, headers("traceparent", "00-" + "0".repeat(32) + "-" + P + "-01"))) {
                assertThat(Traceparent.of(r).traceId()).isNotEqualTo("0".repeat(32));
                parents.add(Traceparent.of(r).parentId());
            }
            assertThat(parents).hasSize(3);
        }

        @Test
        void callbacksAreMadeInOrderAndAllBeforeTheAnswer() throws Exception {
            arrivals.clear();
            // the first callback's answer is 300 ms late: the second must still come after it, and /test after both
            List<RecordedRequest> calls = callbacks(2, headers("traceparent", "00-" + T + "-" + P + "-01"), true);
            assertThat(calls.get(0).getTarget()).contains("/slow/");
            List<String> order = new ArrayList<>(arrivals);
            assertThat(order).hasSize(2);
            assertThat(order.get(0)).contains("/slow/").endsWith(".0");
            assertThat(order.get(1)).endsWith(".1");
        }
    }
}
