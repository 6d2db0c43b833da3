package dev.edgellm.tests.mqtt;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A Mosquitto broker started by a test on a free loopback port with its own config (TOOLCHAIN.md). */
final class Mosquitto implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Process process;

    private final boolean persistent;
    private String extra = "allow_anonymous true\n";

    private Mosquitto(Path dir, int port, boolean persistent) {
        this.dir = dir;
        this.port = port;
        this.persistent = persistent;
    }

    /** A broker whose listener settings (TLS files, password_file, ...) are {@code config}; files go in {@code dir()}. */
    static Mosquitto startWith(java.util.function.Function<Path, String> config) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("mosquitto-test");
        Mosquitto m = new Mosquitto(dir, freePort(), false);
        m.extra = config.apply(dir);
        m.startProcess();
        return m;
    }

    int port() { return port; }

    /** Stops the broker (clients see the connection drop) and starts it again on the same port. */
    void restart(long downMillis) throws IOException, InterruptedException {
        close();
        Thread.sleep(downMillis);
        startProcess();
    }

    static Mosquitto start() throws IOException, InterruptedException {
        return start(false);
    }

    /** {@code persistent}: sessions and queued messages survive {@link #restart()} (saved on SIGTERM). */
    static Mosquitto start(boolean persistent) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("mosquitto-test");
        Mosquitto m = new Mosquitto(dir, freePort(), persistent);
        m.startProcess();
        return m;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void startProcess() throws IOException, InterruptedException {
        Path exe = Path.of("/usr/sbin/mosquitto");
        if (!Files.isExecutable(exe)) throw new IllegalStateException("mosquitto not installed: apt-get install -y mosquitto mosquitto-clients");
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, "listener " + port + " 127.0.0.1\n" + extra + "set_tcp_nodelay true\n"
                + (persistent ? "persistence true\npersistence_location " + dir + "/\n" : "persistence false\n")
                + "max_queued_messages 100000\nmax_inflight_messages 100\n"
                + "log_dest file " + dir.resolve("mosquitto.log") + "\n"
                // as root it would drop to user mosquitto, which may not write the log in our temp dir
                + (System.getProperty("user.name").equals("root") ? "user root\n" : ""));
        process = new ProcessBuilder(exe.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.txt").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("mosquitto exited: " + Files.readString(dir.resolve("stdout.txt")));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new IllegalStateException("mosquitto did not listen on port " + port);
    }

    String url() { return "tcp://127.0.0.1:" + port; }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.destroy();
            process.waitFor();
        }
    }
}
