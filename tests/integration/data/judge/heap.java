// Allocate until the heap is full: the JVM must end with an
// OutOfMemoryError it can catch, not be killed by the memory cgroup.
import java.util.ArrayList;
import java.util.List;

public class Main {
    public static void main(String[] args) {
        List<long[]> l = new ArrayList<>();
        try {
            while (true) l.add(new long[1 << 17]); // 1 MiB each
        } catch (OutOfMemoryError e) {
            int n = l.size();
            l = null;
            System.out.println("OutOfMemoryError after " + n + " MiB");
        }
    }
}
