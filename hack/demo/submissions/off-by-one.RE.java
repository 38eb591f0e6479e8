// A+B that stores the sums in an array and reads one past its end: an
// ArrayIndexOutOfBoundsException, exit status 1.
import java.io.*;
import java.util.*;

public class Main {
    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        int t = Integer.parseInt(in.readLine().trim());
        long[] sums = new long[t];
        for (int i = 0; i < t; i++) {
            StringTokenizer st = new StringTokenizer(in.readLine());
            sums[i] = Long.parseLong(st.nextToken()) + Long.parseLong(st.nextToken());
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i <= t; i++) out.append(sums[i]).append('\n');
        System.out.print(out);
    }
}
