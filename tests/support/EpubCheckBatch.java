// Runs EPUBCheck on many EPUB files in one JVM (EPUBCheck's command line
// takes one file per run, and each run costs several seconds of JVM and
// schema start-up). Used by tests/support/mod.rs:
//
//   java -cp epubcheck.jar tests/support/EpubCheckBatch.java [--usage] FILE...
//
// Prints EPUBCheck's own messages for every file (as its command line does,
// `ERROR(RSC-005): file(line,col): message`), then one line per file:
//
//   EPUBCHECK-RESULT<TAB>fatals<TAB>errors<TAB>warnings<TAB>usages<TAB>FILE
//
// With --usage, usage notes (`-u`) are reported and counted too.
import com.adobe.epubcheck.api.EpubCheck;
import com.adobe.epubcheck.util.DefaultReportImpl;
import com.adobe.epubcheck.util.ReportingLevel;
import java.io.File;

public class EpubCheckBatch {
    public static void main(String[] args) {
        // EPUBCheck reports some messages on stderr: keep them in order with
        // the result lines, which are on stdout.
        System.setErr(System.out);
        boolean usage = false;
        for (String arg : args) {
            if (arg.equals("--usage")) {
                usage = true;
                continue;
            }
            DefaultReportImpl report = new DefaultReportImpl(arg);
            if (usage) {
                report.setReportingLevel(ReportingLevel.Usage);
            }
            int fatals;
            int errors;
            try {
                new EpubCheck(new File(arg), report).doValidate();
                fatals = report.getFatalErrorCount();
                errors = report.getErrorCount();
            } catch (RuntimeException e) {
                System.out.println("FATAL(batch): " + arg + ": " + e);
                fatals = report.getFatalErrorCount() + 1;
                errors = report.getErrorCount();
            }
            System.out.flush();
            System.err.flush();
            System.out.println("EPUBCHECK-RESULT\t" + fatals + "\t" + errors + "\t"
                + report.getWarningCount() + "\t" + report.getUsageCount() + "\t" + arg);
        }
    }
}
