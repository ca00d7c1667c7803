import java.io.FileInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka's own Java client on the test's side of the compression interop check.
 *
 *   write <client.properties> <topic> <compression.type> <prefix> <count>
 *       writes value(prefix, 0..count-1) to partition 0 in one batch of that codec; prints OK
 *   read  <client.properties> <topic> <records>
 *       prints VALUE <partition> <offset> <base64 value> lines, in Kafka's order
 *
 * value(prefix, i) is the same function as in compression-interop.kafka.test.ts.
 */
public class CompressionInterop {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    try (FileInputStream in = new FileInputStream(args[1])) {
      props.load(in);
    }
    if (args[0].equals("read")) read(props, args[2], Integer.parseInt(args[3]));
    else if (args[0].equals("write")) write(props, args[2], args[3], args[4], Integer.parseInt(args[5]));
    else throw new IllegalArgumentException("read or write");
  }

  /** The third record is 100 kB, over one LZ4 block (64 KiB) and several snappy blocks (32 KiB). */
  static String value(String prefix, int i) {
    return prefix + "-" + i + ":" + "abcdefghij".repeat(i == 2 ? 10_000 : i * 3);
  }

  private static void write(Properties props, String topic, String codec, String prefix, int count) throws Exception {
    props.put("key.serializer", ByteArraySerializer.class.getName());
    props.put("value.serializer", StringSerializer.class.getName());
    props.put("acks", "all");
    props.put("compression.type", codec);
    // All records in one batch: they are sent together and flushed once.
    props.put("linger.ms", "5000");
    props.put("batch.size", "1048576");
    try (KafkaProducer<byte[], String> producer = new KafkaProducer<>(props)) {
      for (int i = 0; i < count; i++) producer.send(new ProducerRecord<>(topic, 0, null, value(prefix, i)));
      producer.flush();
    }
    System.out.println("OK");
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
          System.out.println("VALUE " + record.partition() + " " + record.offset() + " " + Base64.getEncoder().encodeToString(record.value()));
          seen++;
        }
      }
      if (seen < count) throw new IllegalStateException("read " + seen + " of " + count + " records");
    }
  }
}
