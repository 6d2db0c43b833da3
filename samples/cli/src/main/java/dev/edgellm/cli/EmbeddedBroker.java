package dev.edgellm.cli;

import com.hivemq.embedded.EmbeddedHiveMQ;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

/**
 * An MQTT v5 broker inside this JVM (HiveMQ CE embedded) for {@code serve} without {@code --broker}:
 * loopback only, in-memory persistence, no usage statistics, files in a temporary folder.
 */
public final class EmbeddedBroker implements AutoCloseable {
    private final EmbeddedHiveMQ hivemq;
    private final Path home;
    private final int port;

    private EmbeddedBroker(EmbeddedHiveMQ hivemq, Path home, int port) {
        this.hivemq = hivemq;
        this.home = home;
        this.port = port;
    }

    /** Starts a broker on 127.0.0.1:{@code port}; returns once it accepts connections. */
    public static EmbeddedBroker start(int port) throws IOException {
        Path home = Files.createTempDirectory("edgellm-broker");
        Path conf = Files.createDirectories(home.resolve("conf"));
        Files.writeString(conf.resolve("config.xml"), "<?xml version=\"1.0\"?>\n<hivemq>\n"
                + "  <listeners><tcp-listener><port>" + port + "</port><bind-address>127.0.0.1</bind-address></tcp-listener></listeners>\n"
                + "  <persistence><mode>in-memory</mode></persistence>\n"
                + "  <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>\n"
                + "</hivemq>\n", StandardCharsets.UTF_8);
        // HiveMQ bridges java.util.logging into logback and logs to stdout by default; stdout is for results
        Files.writeString(conf.resolve("logback.xml"), "<configuration>\n"
                + "  <appender name=\"ERR\" class=\"ch.qos.logback.core.ConsoleAppender\"><target>System.err</target>\n"
                + "    <encoder><pattern>[%level] %msg%n</pattern></encoder></appender>\n"
                + "  <logger name=\"com.hivemq\" level=\"WARN\"/>\n"
                + "  <root level=\"INFO\"><appender-ref ref=\"ERR\"/></root>\n"
                + "</configuration>\n", StandardCharsets.UTF_8);
        EmbeddedHiveMQ h = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(conf)
                .withDataFolder(Files.createDirectories(home.resolve("data")))
                .withExtensionsFolder(Files.createDirectories(home.resolve("extensions")))
                .build();
        try {
            h.start().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the embedded broker", e);
        } catch (ExecutionException e) {
            deleteTree(home);
            throw new IOException("embedded MQTT broker did not start on 127.0.0.1:" + port + ": " + e.getCause().getMessage(), e.getCause());
        }
        return new EmbeddedBroker(h, home, port);
    }

    public String url() { return "tcp://127.0.0.1:" + port; }

    @Override
    public void close() {
        try {
            hivemq.close();
        } catch (ExecutionException e) {
            // stopping failed; the JVM is usually exiting anyway
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteTree(home);
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }
}
