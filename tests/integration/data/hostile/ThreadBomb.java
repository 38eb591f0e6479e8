// A thread bomb in Java: daemon threads that sleep for ever, until the JVM
// cannot start another (the pids cgroup: 64 processes and threads).  The
// OutOfMemoryError ("unable to create native thread") ends main, and the
// JVM exits with status 1: RE.  (hack/judge stores it as Main.java.)
public class Main {
    public static void main(String[] args) {
        int n = 0;
        while (true) {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                }
            });
            t.setDaemon(true);
            t.start();
            n++;
            if (n % 8 == 0) System.err.println(n + " threads");
        }
    }
}
