package dev.edgellm.cli;

import dev.edgellm.mqtt.BrokerOptions;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Broker options shared by {@code serve} and {@code ask}. The password never comes from the command line. */
final class MqttOptions {
    static final String PASSWORD_ENV = "EDGELLM_MQTT_PASSWORD";

    @Option(names = "--user", paramLabel = "U", description = "Broker username (password from --password-file or $" + PASSWORD_ENV + ")")
    String user;

    @Option(names = "--password-file", paramLabel = "F", description = "File whose first line is the broker password")
    Path passwordFile;

    @Option(names = "--cafile", paramLabel = "F", description = "PEM CA certificate(s) to trust for ssl:// brokers")
    Path caFile;

    @Option(names = "--prefix", paramLabel = "P", description = "Topic prefix (default: ${DEFAULT-VALUE})")
    String prefix = "edgellm";

    BrokerOptions broker(String url) throws IOException {
        BrokerOptions b;
        try {
            b = BrokerOptions.of(url);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException(e.getMessage());
        }
        if (passwordFile != null && user == null) throw new Main.UsageException("--password-file needs --user");
        if (user != null) {
            byte[] pw = null;
            if (passwordFile != null) pw = BrokerOptions.readPasswordFile(passwordFile);
            else if (System.getenv(PASSWORD_ENV) != null) pw = System.getenv(PASSWORD_ENV).getBytes(StandardCharsets.UTF_8);
            b = b.withCredentials(user, pw);
        }
        if (caFile != null) {
            if (!url.startsWith("ssl://")) throw new Main.UsageException("--cafile needs an ssl:// broker URL");
            b = b.withCaFile(caFile);
        }
        return b;
    }

    /** Node id default: the host name (first label), as DESIGN.md §3 says. */
    static String defaultNode() {
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isEmpty()) {
            try {
                h = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                h = "edgellm";
            }
        }
        int dot = h.indexOf('.');
        return dot > 0 ? h.substring(0, dot) : h;
    }
}
