package io.inmesh.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigHolderTest {

    static final String V1 = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: reviews
            spec:
              hosts: [reviews]
              http:
              - route:
                - destination: {host: reviews, subset: v1}
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              subsets:
              - {name: v1, labels: {version: v1}}
              - {name: v2, labels: {version: v2}}
            """;

    static List<ConfigFile> files(String... texts) {
        List<ConfigFile> out = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            out.add(new ConfigFile("f" + i + ".yaml", texts[i].getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    final ConfigHolder holder = ConfigHolder.create(ConfigOptions.DEFAULTS,
            Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC));

    @Test
    void startsEmptyAndNotLoaded() {
        assertThat(holder.loaded()).isFalse();
        assertThat(holder.current().resources()).isEmpty();
        assertThat(holder.lastRejection()).isEmpty();
    }

    @Test
    void appliesAValidUpdateAndTellsListenersOnce() throws Exception {
        List<MeshSnapshot> heard = new ArrayList<>();
        holder.addListener(heard::add);
        ConfigUpdate u = holder.update(files(V1));
        assertThat(u).isInstanceOf(ConfigUpdate.Applied.class);
        assertThat(holder.loaded()).isTrue();
        assertThat(holder.current().resources()).hasSize(2);
        assertThat(heard).containsExactly(holder.current());
        assertThat(holder.current().virtualServicesFor("reviews.default.svc.cluster.local")).hasSize(1);
    }

    @Test
    void sameContentReformattedDoesNotSwap() {
        holder.update(files(V1));
        MeshSnapshot first = holder.current();
        String[] docs = V1.split("---\n");
        String dr = docs[1].replace("metadata: {name: reviews}\nspec:\n", "spec:\n  # a comment\n")
                + "metadata:\n  name: reviews\n";
        // The same resources in another file order and layout, keys of the DestinationRule reordered.
        ConfigUpdate u = holder.update(files(dr, docs[0]));
        assertThat(u).isInstanceOf(ConfigUpdate.Unchanged.class);
        assertThat(holder.current()).isSameAs(first);
    }

    @Test
    void rejectsAnUpdateWithAnyErrorAndKeepsTheLastGood() {
        holder.update(files(V1));
        MeshSnapshot good = holder.current();
        List<MeshSnapshot> heard = new ArrayList<>();
        holder.addListener(heard::add);
        String bad = V1.replace("subset: v1}", "subset: v1}\n      weight: -5");
        ConfigUpdate u = holder.update(files(bad, "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"
                + "metadata: {name: ok}\nspec: {hosts: [api.example.com], resolution: DNS}\n"));
        assertThat(u).isInstanceOf(ConfigUpdate.Rejected.class);
        assertThat(holder.current()).isSameAs(good);
        assertThat(heard).isEmpty();
        ConfigRejection rejection = holder.lastRejection().orElseThrow();
        assertThat(rejection.errors()).singleElement().satisfies(d -> {
            assertThat(d.field()).isEqualTo("spec.http[0].route[0].weight");
            assertThat(d.file()).isEqualTo("f0.yaml");
            assertThat(d.line()).isEqualTo(10);
        });
        assertThat(rejection.time()).isEqualTo(Instant.parse("2026-11-25T10:00:00Z"));
    }

    @Test
    void aChangedUpdateSwapsAndVersionsDiffer() {
        holder.update(files(V1));
        MeshSnapshot first = holder.current();
        ConfigUpdate u = holder.update(files(V1.replace("subset: v1}", "subset: v2}")));
        assertThat(u).isInstanceOf(ConfigUpdate.Applied.class);
        assertThat(((ConfigUpdate.Applied) u).previous()).isSameAs(first);
        assertThat(holder.current().version()).isNotEqualTo(first.version());
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheSwap() {
        holder.addListener(s -> {
            throw new IllegalStateException("listener bug");
        });
        List<MeshSnapshot> heard = new ArrayList<>();
        holder.addListener(heard::add);
        holder.update(files(V1));
        assertThat(heard).hasSize(1);
        assertThat(holder.loaded()).isTrue();
    }

    @Test
    void aChangeReReadsOnlyTheFilesThatChanged() {
        String dr = V1.split("---\n")[1];
        String vs = V1.split("---\n")[0];
        holder.update(List.of(new ConfigFile("vs.yaml", vs.getBytes(StandardCharsets.UTF_8)),
                new ConfigFile("dr.yaml", dr.getBytes(StandardCharsets.UTF_8))));
        DestinationRule before = holder.current().resources(DestinationRule.class).get(0);
        VirtualService vsBefore = holder.current().resources(VirtualService.class).get(0);
        ConfigUpdate u = holder.update(List.of(
                new ConfigFile("vs.yaml", vs.replace("subset: v1", "subset: v2").getBytes(StandardCharsets.UTF_8)),
                new ConfigFile("dr.yaml", dr.getBytes(StandardCharsets.UTF_8))));
        assertThat(u).isInstanceOf(ConfigUpdate.Applied.class);
        assertThat(holder.current().resources(DestinationRule.class).get(0)).isSameAs(before);
        assertThat(holder.current().resources(VirtualService.class).get(0)).isNotSameAs(vsBefore);
    }

    @Test
    void aCachedInvalidFileIsStillRejectedAndCrossChecksSeeTheWholeSet() {
        String bad = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: se}\n"
                + "spec: {hosts: [a.example.com], ports: [{number: 80}]}\n";
        ConfigUpdate first = holder.update(files(V1, bad));
        ConfigUpdate second = holder.update(files(V1, bad));
        assertThat(first).isInstanceOf(ConfigUpdate.Rejected.class);
        assertThat(second).isInstanceOf(ConfigUpdate.Rejected.class);
        assertThat(((ConfigUpdate.Rejected) second).rejection().errors()).singleElement()
                .satisfies(d -> assertThat(d.field()).isEqualTo("spec.ports[0].name"));
        // The DestinationRule goes away: the unchanged VirtualService now routes to an undefined subset.
        ConfigUpdate third = holder.update(files(V1.split("---\n")[0]));
        assertThat(third).isInstanceOf(ConfigUpdate.Applied.class);
        List<Diagnostic> fresh = ConfigValidator.create().validate(files(V1.split("---\n")[0])).diagnostics();
        assertThat(fresh).anySatisfy(d -> assertThat(d.message()).contains("defined by no DestinationRule"));
        // The VirtualService came from the cache without its positions: they are read again, the same as fresh.
        assertThat(((ConfigUpdate.Applied) third).diagnostics()).containsExactlyElementsOf(fresh);
    }

    @Test
    void aChangeOfLabelsAnnotationsOrApiVersionIsAChange() {
        holder.update(files(V1));
        String first = holder.current().version();
        assertThat(holder.update(files(V1.replace("metadata:\n  name: reviews\n",
                "metadata:\n  name: reviews\n  annotations: {inmesh.io/sticky-header: x-user}\n"))))
                .isInstanceOf(ConfigUpdate.Applied.class);
        String second = holder.current().version();
        assertThat(holder.update(files(V1.replace("networking.istio.io/v1\nkind: VirtualService",
                "networking.istio.io/v1beta1\nkind: VirtualService")))).isInstanceOf(ConfigUpdate.Applied.class);
        assertThat(holder.current().version()).isNotIn(first, second);
        // Kubernetes bookkeeping is not content.
        assertThat(holder.update(files(V1.replace("networking.istio.io/v1\nkind: VirtualService",
                        "networking.istio.io/v1beta1\nkind: VirtualService")
                .replace("metadata:\n  name: reviews\n", "metadata:\n  name: reviews\n  resourceVersion: \"42\"\n"))))
                .isInstanceOf(ConfigUpdate.Unchanged.class);
    }

    @Test
    void anEditToOneDocumentOfALongFileReReadsThatDocumentOnlyAndKeepsPositions() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            b.append("---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs").append(i)
                    .append("}\nspec:\n  hosts: [svc").append(i).append("]\n  http:\n  - route:\n")
                    .append("    - destination: {host: svc").append(i).append("}\n      weight: 1\n");
        }
        String text = b.toString();
        holder.update(files(text));
        List<VirtualService> before = holder.current().resources(VirtualService.class);
        // The fourth document (from line 31) gets an error at its weight on line 40, column 15.
        ConfigUpdate bad = holder.update(files(text.replace("{host: svc3}\n      weight: 1", "{host: svc3}\n      weight: -1")));
        assertThat(((ConfigUpdate.Rejected) bad).rejection().errors()).singleElement().satisfies(d -> {
            assertThat(d.name()).isEqualTo("vs3");
            assertThat(d.line()).isEqualTo(40);
            assertThat(d.column()).isEqualTo(15);
        });
        ConfigUpdate good = holder.update(files(text.replace("{host: svc3}\n      weight: 1", "{host: svc3}\n      weight: 2")));
        assertThat(good).isInstanceOf(ConfigUpdate.Applied.class);
        List<VirtualService> after = holder.current().resources(VirtualService.class);
        for (int i = 0; i < 5; i++) {
            if (i == 3) {
                assertThat(after.get(i)).isNotSameAs(before.get(i));
            } else {
                assertThat(after.get(i)).isSameAs(before.get(i));
            }
        }
    }
}
