package io.inmesh.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import io.inmesh.config.ConfigFile;
import io.inmesh.config.ConfigHolder;
import io.inmesh.config.ConfigOptions;
import io.inmesh.config.ConfigUpdate;
import io.inmesh.config.MeshSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Snapshots from YAML text for traffic-plane tests. */
public final class TrafficFixtures {
    private TrafficFixtures() {
    }

    public static MeshSnapshot snapshot(String yaml) {
        ConfigHolder h = ConfigHolder.create(ConfigOptions.DEFAULTS);
        ConfigUpdate u = h.update(List.of(new ConfigFile("test.yaml", yaml.getBytes(StandardCharsets.UTF_8))));
        assertThat(u).as("%s", u instanceof ConfigUpdate.Rejected r ? r.rejection().diagnostics() : "")
                .isInstanceOf(ConfigUpdate.Applied.class);
        return h.current();
    }
}
