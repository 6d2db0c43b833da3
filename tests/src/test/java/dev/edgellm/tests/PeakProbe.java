package dev.edgellm.tests;

import dev.edgellm.cli.Main;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Paths;

/** Child-JVM entry of {@link PeakMemoryTest}: runs the CLI, then prints "VmHWM <bytes>" (peak RSS) on stdout. */
public final class PeakProbe {
    private PeakProbe() {
    }

    public static void main(String[] args) throws Exception {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        if (code != 0) {
            System.err.print(err);
            System.exit(code);
        }
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                System.out.println("VmHWM " + Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
            }
        }
    }
}
