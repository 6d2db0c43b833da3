package dev.edgellm.cli;

import dev.edgellm.gguf.GgufFile;
import dev.edgellm.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.StringJoiner;
import java.util.concurrent.Callable;

/** {@code tokenize}: token ids of a text, as llama.cpp's tokenizer tests produce them. Reads no weights. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of a text, space separated, on one line.")
final class TokenizeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ModelOptions modelOptions;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "Text to tokenize")
        String text;

        @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "UTF-8 file to tokenize")
        Path file;
    }

    @Option(names = "--no-bos", description = "Add no special tokens (BOS/EOS), as llama.cpp's tokenizer tests expect")
    boolean noBos;

    @Override
    public Integer call() throws Exception {
        String text = input.text != null ? input.text : new String(Files.readAllBytes(input.file), StandardCharsets.UTF_8);
        Tokenizer tok = Tokenizer.fromGguf(GgufFile.open(modelOptions.resolve()));
        int[] ids = tok.encode(text, !noBos, true);
        StringJoiner j = new StringJoiner(" ");
        for (int id : ids) j.add(Integer.toString(id));
        PrintWriter out = spec.commandLine().getOut();
        out.println(j);
        return Main.EXIT_OK;
    }
}
