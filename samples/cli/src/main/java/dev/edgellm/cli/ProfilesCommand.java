package dev.edgellm.cli;

import dev.edgellm.profiles.DeviceProfile;
import dev.edgellm.profiles.ProfileCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code profiles}: the device profile catalogue and the detected local machine. */
@Command(name = "profiles", mixinStandardHelpOptions = true, description = "List known device profiles and the detected local one.")
final class ProfilesCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, description = "Also print each profile's source notes and GPU evidence")
    boolean verbose;

    @Override
    public Integer call() {
        ProfileCatalog cat = ProfileCatalog.builtin();
        List<DeviceProfile> all = new ArrayList<>(cat.all());
        all.add(cat.local());
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-22s %9s %9s %8s %6s  %-28s %-10s %s%n", "PROFILE", "RAM MiB", "USABLE", "BW GB/s", "CORES", "ISA", "GPU OFFLOAD", "NAME");
        for (DeviceProfile p : all) {
            String gpu = p.gpu() == null ? "-" : p.gpu().offloadPays ? "pays" : "no";
            out.printf(Locale.ROOT, "%-22s %9d %9d %8.1f %6s  %-28s %-10s %s%n", p.id(), p.ramTotalBytes() >> 20,
                    p.ramUsableBytes() >> 20, p.bandwidthEffectiveGBs(), p.bigCores() + (p.littleCores() > 0 ? "+" + p.littleCores() : ""),
                    String.join(",", p.isa()), gpu, p.name());
            if (verbose) {
                for (Map.Entry<String, String> e : p.sources().entrySet()) out.println("    " + e.getKey() + ": " + e.getValue());
                if (p.gpu() != null) out.println("    gpu offload evidence: " + p.gpu().offloadEvidence);
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
