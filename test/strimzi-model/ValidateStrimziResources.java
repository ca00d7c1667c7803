// Reads Strimzi custom resources (YAML files named on the command line) into Strimzi's own API
// model, io.strimzi:api, and reports what the model does not accept: a value of the wrong type
// or outside an enum (what the model does not keep when read back), an unknown `type` of a
// polymorphic field, a field the model does not have (Strimzi keeps those aside as "additional
// properties"), a field its @JsonProperty(required = true) asks for left out.
// Run as a single source file: java -cp '<jars>/*' ValidateStrimziResources.java FILE...
// Prints one line per resource, "OK <file> <kind>/<name>" or "ERROR <file> <kind>/<name>: <why>",
// and exits 1 if any resource is refused.

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.strimzi.api.kafka.model.common.UnknownPropertyPreserving;
import java.io.File;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

public class ValidateStrimziResources {
    /** The model class of each kind of the group kafka.strimzi.io. */
    private static final Map<String, String> MODEL = Map.of(
        "Kafka", "io.strimzi.api.kafka.model.kafka.Kafka",
        "KafkaNodePool", "io.strimzi.api.kafka.model.nodepool.KafkaNodePool",
        "KafkaUser", "io.strimzi.api.kafka.model.user.KafkaUser",
        "KafkaTopic", "io.strimzi.api.kafka.model.topic.KafkaTopic");

    public static void main(String[] args) throws Exception {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        boolean failed = false;
        for (String file : args) {
            List<JsonNode> docs = mapper.readerFor(JsonNode.class).<JsonNode>readValues(new File(file)).readAll();
            for (JsonNode doc : docs) {
                String apiVersion = doc.path("apiVersion").asText();
                String id = doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText();
                String className = MODEL.get(doc.path("kind").asText());
                if (className == null || !apiVersion.startsWith("kafka.strimzi.io/")) continue;
                List<String> problems = new ArrayList<>();
                try {
                    Class<?> type = Class.forName(className);
                    List<?> versions = (List<?>) type.getField("VERSIONS").get(null);
                    if (!versions.contains(apiVersion.substring("kafka.strimzi.io/".length()))) {
                        problems.add("apiVersion " + apiVersion + " is not one this Strimzi serves (" + versions + ")");
                    }
                    Object resource = mapper.treeToValue(doc, type);
                    walk(resource, doc, "", problems, new IdentityHashMap<>());
                    if (problems.isEmpty()) compare(doc, mapper.valueToTree(resource), "", problems);
                } catch (Exception e) {
                    problems.add(e.getMessage().split("\n")[0]);
                }
                failed |= !problems.isEmpty();
                System.out.println(problems.isEmpty() ? "OK " + file + " " + id : "ERROR " + file + " " + id + ": " + String.join("; ", problems));
            }
        }
        System.exit(failed ? 1 : 0);
    }

    /**
     * Visits the Strimzi model objects below `value` through their getters, beside the YAML they
     * were read from: fields kept aside as unknown, and required ones the YAML lacks.
     */
    private static void walk(Object value, JsonNode node, String path, List<String> problems, Map<Object, Boolean> seen) throws Exception {
        if (value == null || seen.put(value, true) != null) return;
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) walk(list.get(i), node.path(i), path + "[" + i + "]", problems, seen);
            return;
        }
        if (!value.getClass().getName().startsWith("io.strimzi.")) return;
        if (value instanceof UnknownPropertyPreserving preserving && preserving.getAdditionalProperties() != null
                && !preserving.getAdditionalProperties().isEmpty()) {
            problems.add((path.isEmpty() ? "." : path) + " has fields Strimzi does not define: " + preserving.getAdditionalProperties().keySet());
        }
        for (Method getter : value.getClass().getMethods()) {
            String name = getter.getName();
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers()) || !name.startsWith("get") || name.length() < 4) continue;
            if (name.equals("getAdditionalProperties") || name.equals("getClass")) continue;
            JsonProperty property = getter.getAnnotation(JsonProperty.class);
            String field = property != null && !property.value().isEmpty() ? property.value() : Character.toLowerCase(name.charAt(3)) + name.substring(4);
            if (property != null && property.required() && node.isObject() && !node.has(field)) problems.add(path + "." + field + " is required");
            Object child;
            try {
                child = getter.invoke(value);
            } catch (Exception e) {
                continue;
            }
            walk(child, node.path(field), path + "." + field, problems, seen);
        }
    }

    /** Where the YAML says something the model did not keep (an enum value it does not know reads as null). */
    private static void compare(JsonNode given, JsonNode kept, String path, List<String> problems) {
        if (given.isObject()) {
            given.fields().forEachRemaining(entry -> {
                String at = path + "." + entry.getKey();
                if (path.isEmpty() && (entry.getKey().equals("apiVersion") || entry.getKey().equals("kind"))) return;
                // A default (false, 0) is left out when the model is written back.
                boolean isDefault = entry.getValue().isBoolean() && !entry.getValue().asBoolean() || entry.getValue().isNumber() && entry.getValue().asDouble() == 0;
                if (kept.has(entry.getKey())) compare(entry.getValue(), kept.get(entry.getKey()), at, problems);
                else if (!isDefault) problems.add(at + " = " + entry.getValue() + " is not a value Strimzi accepts");
            });
        } else if (given.isArray()) {
            for (int i = 0; i < given.size(); i++) compare(given.get(i), kept.path(i), path + "[" + i + "]", problems);
        } else if (!given.asText().equals(kept.asText())) {
            problems.add(path + " = " + given + " is not a value Strimzi accepts");
        }
    }
}
