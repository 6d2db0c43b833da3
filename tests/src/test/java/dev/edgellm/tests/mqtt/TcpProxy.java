package dev.edgellm.tests.mqtt;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A loopback TCP relay whose connections a test can cut, as a network failure would (no DISCONNECT). */
final class TcpProxy implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    TcpProxy(int targetPort) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket in = server.accept();
                    Socket out = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                    in.setTcpNoDelay(true);
                    out.setTcpNoDelay(true);
                    sockets.add(in);
                    sockets.add(out);
                    pump(in, out);
                    pump(out, in);
                } catch (IOException e) {
                    // closed, or the target refused: the client sees a dropped connection
                }
            }
        }, "tcp-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    private static void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ignored) {
                // one side closed
            } finally {
                try {
                    to.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }, "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    String url() { return "tcp://127.0.0.1:" + server.getLocalPort(); }

    /** Drops every relayed connection at once; new connections are still accepted. */
    void cutAll() throws IOException {
        for (Socket s : sockets) s.close();
        sockets.clear();
    }

    @Override
    public void close() throws IOException {
        server.close();
        cutAll();
    }
}
