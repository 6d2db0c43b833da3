package dev.edgellm.mqtt;

import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;

import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Objects;

/**
 * Where the broker is and how to log in: {@code tcp://host:1883} or {@code ssl://host:8883} (with an optional
 * CA file), username and password. Passwords come from a file or the environment, never the command line.
 */
public final class BrokerOptions {
    private final String url;
    private final String username;
    private final byte[] password;
    private final Path caFile;

    private BrokerOptions(String url, String username, byte[] password, Path caFile) {
        this.url = url;
        this.username = username;
        this.password = password;
        this.caFile = caFile;
    }

    public static BrokerOptions of(String url) {
        return new BrokerOptions(checkUrl(url), null, null, null);
    }

    public BrokerOptions withCredentials(String user, byte[] password) {
        return new BrokerOptions(url, Objects.requireNonNull(user, "user"), password == null ? null : password.clone(), caFile);
    }

    public BrokerOptions withCaFile(Path caFile) {
        return new BrokerOptions(url, username, password, caFile);
    }

    /** Reads a password file (first line; a trailing newline is not part of the password). */
    public static byte[] readPasswordFile(Path file) throws IOException {
        String s = Files.readString(file, StandardCharsets.UTF_8);
        int nl = s.indexOf('\n');
        if (nl >= 0) s = s.substring(0, nl);
        if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public String url() { return url; }

    private static String checkUrl(String url) {
        Objects.requireNonNull(url, "broker url");
        if (!url.startsWith("tcp://") && !url.startsWith("ssl://")) {
            throw new IllegalArgumentException("broker URL must start with tcp:// or ssl://, got " + url);
        }
        return url;
    }

    /** Paho connection options for this broker; the caller sets session and will settings. */
    MqttConnectionOptions toPaho() throws IOException, GeneralSecurityException {
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setServerURIs(new String[] {url});
        if (username != null) o.setUserName(username);
        if (password != null) o.setPassword(password.clone());
        if (url.startsWith("ssl://")) {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, caFile == null ? null : trustOnly(caFile).getTrustManagers(), null);
            o.setSocketFactory(new NoDelaySocketFactory.Tls(ctx.getSocketFactory()));
            o.setHttpsHostnameVerificationEnabled(true);
        } else {
            o.setSocketFactory(new NoDelaySocketFactory(SocketFactory.getDefault()));
        }
        return o;
    }

    private static TrustManagerFactory trustOnly(Path caFile) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) ks.setCertificateEntry("ca" + i++, c);
            if (i == 0) throw new GeneralSecurityException(caFile + ": no X.509 certificate found");
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf;
    }
}
