package dev.edgellm.mqtt;

import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;

/**
 * Turns Nagle's algorithm off on every socket: without TCP_NODELAY each small chunk waits for the previous
 * ACK and a request/response round trip costs 40-90 ms instead of well under 1 ms.
 */
final class NoDelaySocketFactory extends SocketFactory {
    private final SocketFactory delegate;

    NoDelaySocketFactory(SocketFactory delegate) {
        this.delegate = delegate;
    }

    private static Socket noDelay(Socket s) throws IOException {
        s.setTcpNoDelay(true);
        return s;
    }

    @Override public Socket createSocket() throws IOException { return noDelay(delegate.createSocket()); }
    @Override public Socket createSocket(String h, int p) throws IOException { return noDelay(delegate.createSocket(h, p)); }
    @Override public Socket createSocket(String h, int p, InetAddress la, int lp) throws IOException { return noDelay(delegate.createSocket(h, p, la, lp)); }
    @Override public Socket createSocket(InetAddress h, int p) throws IOException { return noDelay(delegate.createSocket(h, p)); }
    @Override public Socket createSocket(InetAddress h, int p, InetAddress la, int lp) throws IOException { return noDelay(delegate.createSocket(h, p, la, lp)); }

    /** The TLS variant: Paho requires an SSLSocketFactory for ssl:// URLs and a plain one for tcp://. */
    static final class Tls extends SSLSocketFactory {
        private final SSLSocketFactory delegate;

        Tls(SSLSocketFactory delegate) {
            this.delegate = delegate;
        }

        @Override public Socket createSocket() throws IOException { return noDelay(delegate.createSocket()); }
        @Override public Socket createSocket(String h, int p) throws IOException { return noDelay(delegate.createSocket(h, p)); }
        @Override public Socket createSocket(String h, int p, InetAddress la, int lp) throws IOException { return noDelay(delegate.createSocket(h, p, la, lp)); }
        @Override public Socket createSocket(InetAddress h, int p) throws IOException { return noDelay(delegate.createSocket(h, p)); }
        @Override public Socket createSocket(InetAddress h, int p, InetAddress la, int lp) throws IOException { return noDelay(delegate.createSocket(h, p, la, lp)); }
        @Override public Socket createSocket(Socket s, String h, int p, boolean autoClose) throws IOException {
            s.setTcpNoDelay(true);
            return delegate.createSocket(s, h, p, autoClose);
        }
        @Override public String[] getDefaultCipherSuites() { return delegate.getDefaultCipherSuites(); }
        @Override public String[] getSupportedCipherSuites() { return delegate.getSupportedCipherSuites(); }
    }
}
