package io.inmesh.kubernetes.internal;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.inmesh.config.ConfigFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** The config files of ConfigMaps: every key ending in {@code .yaml}/{@code .yml}, from data and binaryData. */
public final class ConfigMapFiles {
    private ConfigMapFiles() {
    }

    /** What diagnostics call a key: {@code configmap NAMESPACE/NAME key KEY}. */
    public static String fileName(String namespace, String name, String key) {
        return "configmap " + namespace + "/" + name + " key " + key;
    }

    /** True for the keys InMesh reads. */
    public static boolean isConfigKey(String key) {
        return key.endsWith(".yaml") || key.endsWith(".yml");
    }

    /**
     * The config files of {@code maps}, sorted by name.
     *
     * @throws IOException when a {@code binaryData} value is not base64 (the message names the ConfigMap and key)
     */
    public static List<ConfigFile> files(List<ConfigMap> maps) throws IOException {
        List<ConfigFile> files = new ArrayList<>();
        for (ConfigMap cm : maps) {
            String ns = cm.getMetadata().getNamespace();
            String name = cm.getMetadata().getName();
            Map<String, String> data = cm.getData();
            if (data != null) {
                for (Map.Entry<String, String> e : data.entrySet()) {
                    if (isConfigKey(e.getKey()) && e.getValue() != null) {
                        files.add(new ConfigFile(fileName(ns, name, e.getKey()),
                                e.getValue().getBytes(StandardCharsets.UTF_8)));
                    }
                }
            }
            Map<String, String> binary = cm.getBinaryData();
            if (binary != null) {
                for (Map.Entry<String, String> e : binary.entrySet()) {
                    if (isConfigKey(e.getKey()) && e.getValue() != null) {
                        byte[] bytes;
                        try {
                            bytes = Base64.getMimeDecoder().decode(e.getValue());
                        } catch (IllegalArgumentException bad) {
                            throw new IOException(fileName(ns, name, e.getKey()) + ": binaryData value is not base64 ("
                                    + bad.getMessage() + ")");
                        }
                        files.add(new ConfigFile(fileName(ns, name, e.getKey()), bytes));
                    }
                }
            }
        }
        files.sort(Comparator.comparing(ConfigFile::name));
        return files;
    }

    /** SHA-256 over the names and contents of the config files of {@code maps}: equal exactly when read() would be. */
    public static String fingerprint(List<ConfigMap> maps) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
        try {
            for (ConfigFile f : files(maps)) {
                md.update(f.name().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(f.content());
                md.update((byte) 0);
            }
        } catch (IOException e) {
            md.update(("unreadable: " + e.getMessage()).getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
