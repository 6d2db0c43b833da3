package dev.edgellm.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Runs the CLI in-process for the command tests: checks the exit code, returns {stdout, stderr}. */
final class CliRun {
    static final String MODEL = ModelOptions.bundledModel().toString();

    private CliRun() {
    }

    static String[] run(int expectedCode, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        assertEquals(expectedCode, code, "stdout: " + out + "\nstderr: " + err);
        return new String[] {out.toString(), err.toString()};
    }
}
