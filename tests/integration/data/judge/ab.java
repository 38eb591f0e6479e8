// A+B with the usual fast input and output.
import java.io.*;
import java.util.*;

public class Main {
    public static void main(String[] args) throws IOException {
        BufferedReader br = new BufferedReader(new InputStreamReader(System.in));
        StringTokenizer st = new StringTokenizer(br.readLine());
        long a = Long.parseLong(st.nextToken()), b = Long.parseLong(st.nextToken());
        long[] v = new long[1000];
        for (int i = 0; i < v.length; i++) v[i] = (i * 7919L) % 1003;
        Arrays.sort(v);
        HashMap<Long, Integer> m = new HashMap<>();
        for (long x : v) m.merge(x % 17, 1, Integer::sum);
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out)));
        out.println(a + b);
        out.flush();
    }
}
