package dev.edgellm.tests.mqtt;

import dev.edgellm.Model;
import dev.edgellm.cli.Main;
import dev.edgellm.mqtt.BrokerOptions;
import dev.edgellm.mqtt.MqttService;
import dev.edgellm.mqtt.ServiceConfig;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** ssl:// with a private CA file and username/password from a file, as {@code serve}/{@code ask} take them. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MqttTlsAuthTest {
    static void sh(Path dir, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A CA, a server certificate for localhost/127.0.0.1 and a password file, TOOLCHAIN.md's recipe. */
    static String tlsConfig(Path d) {
        sh(d, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=edgellm-test-ca");
        sh(d, "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
        try {
            Files.writeString(d.resolve("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
            Files.writeString(d.resolve("pw.txt"), "secret\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        sh(d, "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.pem", "-days", "1", "-extfile", "ext.cnf");
        sh(d, "mosquitto_passwd", "-c", "-b", "passwd", "pi", "secret");
        for (String f : new String[] {"server.key", "passwd"}) d.resolve(f).toFile().setReadable(true, false); // broker may drop to user mosquitto
        return "cafile " + d.resolve("ca.pem") + "\ncertfile " + d.resolve("server.pem") + "\nkeyfile " + d.resolve("server.key")
                + "\nallow_anonymous false\npassword_file " + d.resolve("passwd") + "\n";
    }

    @Test
    void servesOverTlsWithCredentialsAndRefusesAWrongPassword() throws Exception {
        Path[] dir = new Path[1];
        try (Mosquitto broker = Mosquitto.startWith(d -> {
                dir[0] = d;
                return tlsConfig(d);
            });
             Model model = MqttFixture.loadModel()) {
            String url = "ssl://localhost:" + broker.port();
            Path ca = dir[0].resolve("ca.pem");
            BrokerOptions good = BrokerOptions.of(url).withCaFile(ca)
                    .withCredentials("pi", BrokerOptions.readPasswordFile(dir[0].resolve("pw.txt")));
            try (MqttService node = new MqttService(model, MqttFixture.MODEL_NAME, good, ServiceConfig.builder("s1").build())) {
                node.start();
                StringWriter out = new StringWriter(), err = new StringWriter();
                int code = Main.run(new String[] {"ask", "--broker", url, "--cafile", ca.toString(), "--user", "pi",
                        "--password-file", dir[0].resolve("pw.txt").toString(), "--node", "s1", "--temp", "0", "-n", "24",
                        "Once upon a time"}, new PrintWriter(out), new PrintWriter(err));
                assertEquals(0, code, err.toString());
                assertEquals(MqttFixture.expected(model, "Once upon a time", 24, 0f, 1) + System.lineSeparator(), out.toString());
            }
            BrokerOptions wrong = BrokerOptions.of(url).withCaFile(ca).withCredentials("pi", "nope".getBytes(StandardCharsets.UTF_8));
            try (MqttService node = new MqttService(model, MqttFixture.MODEL_NAME, wrong, ServiceConfig.builder("s2").build())) {
                assertThrows(MqttException.class, node::start);
            }
            // no CA given: the broker's private certificate is not trusted
            try (MqttService node = new MqttService(model, MqttFixture.MODEL_NAME,
                    BrokerOptions.of(url).withCredentials("pi", "secret".getBytes(StandardCharsets.UTF_8)), ServiceConfig.builder("s3").build())) {
                assertThrows(MqttException.class, node::start);
            }
        }
    }
}
