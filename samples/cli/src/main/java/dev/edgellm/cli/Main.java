package dev.edgellm.cli;

import dev.edgellm.ModelFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * {@code edgellm} command line (DESIGN.md §2). stdout carries only results; logs, progress and statistics go
 * to stderr. Exit codes: 0 ok, 1 internal error, 2 usage error, 3 unreadable or invalid model file,
 * 4 does not fit the device.
 */
@Command(name = "edgellm", mixinStandardHelpOptions = true, version = "EdgeLLM 0.1.0",
        description = "Run GGUF language models on edge devices.",
        subcommands = {GenerateCommand.class, TokenizeCommand.class, InfoCommand.class,
                ServeCommand.class, AskCommand.class, PlanCommand.class, ProfilesCommand.class, BenchCommand.class})
public final class Main {
    private static final Logger PAHO_LOG = Logger.getLogger("org.eclipse.paho"); // strong ref keeps the level
    public static final int EXIT_OK = 0;
    public static final int EXIT_INTERNAL = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_BAD_MODEL = 3;
    public static final int EXIT_DOES_NOT_FIT = 4;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams and returns the exit code (used by tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        configureLogging(Boolean.getBoolean("edgellm.verbose") || System.getenv("EDGELLM_VERBOSE") != null);
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("error: " + describe(ex));
            if (exitCodeOf(ex) == EXIT_INTERNAL) ex.printStackTrace(cmd.getErr());
            return exitCodeOf(ex);
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("error: " + ex.getMessage());
            c.getErr().println("try: edgellm " + (c.getCommandName().equals("edgellm") ? "" : c.getCommandName() + " ") + "--help");
            return EXIT_USAGE;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    static int exitCodeOf(Throwable ex) {
        if (ex instanceof ModelFormatException || ex instanceof NoSuchFileException || ex instanceof AccessDeniedException) {
            return EXIT_BAD_MODEL;
        }
        if (ex instanceof UsageException) return EXIT_USAGE;
        if (ex instanceof DoesNotFitException) return EXIT_DOES_NOT_FIT;
        if (ex instanceof org.eclipse.paho.mqttv5.common.MqttException) return EXIT_INTERNAL; // broker unreachable or refused
        if (ex instanceof IOException) return EXIT_BAD_MODEL;
        return EXIT_INTERNAL;
    }

    private static String describe(Throwable ex) {
        if (ex instanceof NoSuchFileException) return "file not found: " + ((NoSuchFileException) ex).getFile();
        if (ex instanceof AccessDeniedException) return "permission denied: " + ((AccessDeniedException) ex).getFile();
        return ex.getMessage() != null ? ex.getMessage() : ex.toString();
    }

    /** A bad combination of options found after parsing; exit code 2. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** The memory plan refuses the run (the message says why and what would fit); exit code 4. */
    static final class DoesNotFitException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DoesNotFitException(String message) {
            super(message);
        }
    }

    private static void configureLogging(boolean verbose) {
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) root.removeHandler(h);
        ConsoleHandler h = new ConsoleHandler(); // writes to System.err
        h.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                return "[" + r.getLevel().getName().toLowerCase() + "] " + formatMessage(r) + System.lineSeparator();
            }
        });
        Level level = verbose ? Level.FINE : Level.INFO;
        h.setLevel(level);
        root.addHandler(h);
        root.setLevel(level);
        Logger.getLogger("dev.edgellm").setLevel(level);
        // Paho logs expected socket closes as SEVERE; our own code reports connection trouble
        PAHO_LOG.setLevel(verbose ? Level.FINE : Level.OFF);
    }
}
