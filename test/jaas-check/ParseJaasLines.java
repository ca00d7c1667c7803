// Parses each argument (base64 of a sasl.jaas.config value) with Kafka's own client code, as a
// Java client would, and prints one line per argument: "OK <module> <username> <password>" (each
// base64) or "ERR". Run as a single source file: java -cp '<kafka jars>/*' ParseJaasLines.java B64...

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;

public class ParseJaasLines {
    public static void main(String[] args) {
        Base64.Decoder decoder = Base64.getDecoder();
        Base64.Encoder encoder = Base64.getEncoder();
        for (String arg : args) {
            String line = new String(decoder.decode(arg), StandardCharsets.UTF_8);
            try {
                List<AppConfigurationEntry> entries = JaasContext.loadClientContext(Map.of("sasl.jaas.config", new Password(line))).configurationEntries();
                AppConfigurationEntry entry = entries.get(0);
                Map<String, ?> options = entry.getOptions();
                System.out.println("OK " + String.join(" ",
                    encoder.encodeToString(entry.getLoginModuleName().getBytes(StandardCharsets.UTF_8)),
                    encoder.encodeToString(String.valueOf(options.get("username")).getBytes(StandardCharsets.UTF_8)),
                    encoder.encodeToString(String.valueOf(options.get("password")).getBytes(StandardCharsets.UTF_8))));
            } catch (RuntimeException e) {
                System.out.println("ERR");
            }
        }
    }
}
