package walt.vpn.template;

import freemarker.core.PlainTextOutputFormat;
import freemarker.core.TemplateClassResolver;
import freemarker.template.Configuration;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A site's files for the boot partition's {@code walt-vpn/} folder, rendered from the
 * project's {@code templates/*.ftl} (packed into the jar) with values that were all validated
 * when the {@link SiteConfig} was made.
 */
public final class SiteFiles {

    /** The folder on the FAT partition, mounted at /boot/firmware on the node. */
    public static final String FOLDER = "walt-vpn";

    private static final List<String> TEMPLATES = List.of("vpn.conf", "ssh_config", "known_hosts");

    private SiteFiles() {
    }

    /** File name to content, in a fixed order. */
    public static Map<String, byte[]> render(SiteConfig site) throws IOException {
        Map<String, Object> model = Map.of(
                "proxies", site.proxies().stream().map(SiteHop::model).toList(),
                "server", site.server().model(),
                "vm", site.vm().model());
        Map<String, byte[]> files = new LinkedHashMap<>();
        Configuration cfg = configuration();
        for (String name : TEMPLATES) {
            StringWriter out = new StringWriter();
            try {
                cfg.getTemplate(name + ".ftl").process(model, out);
            } catch (TemplateException e) {
                throw new IOException("template " + name + ".ftl: " + e.getMessageWithoutStackTop());
            }
            files.put(name, out.toString().getBytes(StandardCharsets.UTF_8));
        }
        files.put("bootstrap", site.bootstrap().text().getBytes(StandardCharsets.US_ASCII));
        files.put("ca.pub", (site.ca().line() + "\n").getBytes(StandardCharsets.US_ASCII));
        return files;
    }

    private static Configuration configuration() {
        Configuration cfg = new Configuration(Configuration.VERSION_2_3_35);
        cfg.setClassForTemplateLoading(SiteFiles.class, "/walt/vpn/template/site");
        cfg.setDefaultEncoding("UTF-8");
        cfg.setOutputFormat(PlainTextOutputFormat.INSTANCE);
        cfg.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        cfg.setLogTemplateExceptions(false);
        cfg.setWrapUncheckedExceptions(true);
        // Templates get data, never a way to reach Java classes.
        cfg.setAPIBuiltinEnabled(false);
        cfg.setNewBuiltinClassResolver(TemplateClassResolver.ALLOWS_NOTHING_RESOLVER);
        cfg.setNumberFormat("c");
        return cfg;
    }
}
