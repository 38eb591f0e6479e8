// Four threads summing in parallel: the JVM's threads are clone(CLONE_THREAD).
import java.util.concurrent.atomic.AtomicLong;

public class Main {
    public static void main(String[] args) throws Exception {
        AtomicLong sum = new AtomicLong();
        Thread[] t = new Thread[4];
        for (int i = 0; i < t.length; i++) {
            final long from = i * 250000L;
            t[i] = new Thread(() -> {
                long s = 0;
                for (long j = from; j < from + 250000; j++) s += j;
                sum.addAndGet(s);
            });
            t[i].start();
        }
        for (Thread x : t) x.join();
        System.out.println(sum.get());
    }
}
