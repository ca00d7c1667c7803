import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka's own Java client on the test's side of the header interop check. Every name, key and
 * value crosses the command line and stdout as base64, so bytes arrive as they are.
 *
 *   read  <client.properties> <topic> <records>       prints RECORD/HEADER lines, in Kafka's order
 *   write <client.properties> <topic> <key> <value> [<name>:<value>]...   prints OK <partition> <offset>
 */
public class HeaderInterop {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    try (FileInputStream in = new FileInputStream(args[1])) {
      props.load(in);
    }
    if (args[0].equals("read")) read(props, args[2], Integer.parseInt(args[3]));
    else if (args[0].equals("write")) write(props, args);
    else throw new IllegalArgumentException("read or write");
  }

  private static byte[] decode(String b64) {
    return Base64.getDecoder().decode(b64);
  }

  private static String encode(byte[] bytes) {
    return bytes == null ? "-" : Base64.getEncoder().encodeToString(bytes);
  }

  private static void read(Properties props, String topic, int count) {
    props.put("key.deserializer", ByteArrayDeserializer.class.getName());
    props.put("value.deserializer", ByteArrayDeserializer.class.getName());
    props.put("enable.auto.commit", "false");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer.partitionsFor(topic, Duration.ofSeconds(30)).forEach((p) -> partitions.add(new TopicPartition(topic, p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.currentTimeMillis() + 30_000;
      int seen = 0;
      while (seen < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          System.out.println("RECORD " + record.partition() + " " + record.offset() + " " + encode(record.key()) + " " + encode(record.value()));
          for (Header header : record.headers()) {
            System.out.println("HEADER " + encode(header.key().getBytes(StandardCharsets.UTF_8)) + " " + encode(header.value()));
          }
          seen++;
        }
      }
      if (seen < count) throw new IllegalStateException("read " + seen + " of " + count + " records");
    }
  }

  private static void write(Properties props, String[] args) throws Exception {
    props.put("key.serializer", ByteArraySerializer.class.getName());
    props.put("value.serializer", ByteArraySerializer.class.getName());
    props.put("acks", "all");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(args[2], decode(args[3]), decode(args[4]));
      for (int i = 5; i < args.length; i++) {
        String[] pair = args[i].split(":", 2);
        record.headers().add(new String(decode(pair[0]), StandardCharsets.UTF_8), decode(pair[1]));
      }
      RecordMetadata metadata = producer.send(record).get();
      System.out.println("OK " + metadata.partition() + " " + metadata.offset());
    }
  }
}
