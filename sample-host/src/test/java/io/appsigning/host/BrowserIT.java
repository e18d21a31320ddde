package io.appsigning.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * An administrator's session in a real headless Chromium: sign in, upload a signed app and see it
 * verified, upload a tampered one and see the rejection with its reason, switch the mode, open
 * Health. Screenshots go to target/screenshots.
 */
class BrowserIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    static Path home;
    @TempDir
    static Path files;
    static HostProcess host;
    static WebDriver browser;
    static WebDriverWait wait;
    static Path screenshots;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
        screenshots = Files.createDirectories(Path.of(System.getProperty("screenshots", "target/screenshots")));
        host = HostProcess.start(home);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1366,900", "--user-data-dir=" + Files.createTempDirectory("chromium-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (host != null) {
            host.close();
        }
    }

    private static void screenshot(String name) throws Exception {
        byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
        Files.write(screenshots.resolve(name + ".png"), png);
    }

    private static WebElement visible(String id) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(id)));
    }

    @Test
    void anAdministratorsSession() throws Exception {
        TestApps vendor = new TestApps("CN=Acme Vendor");
        // The operator adds the vendor's certificate with the CLI, as the README says.
        Path certificateFile = Files.writeString(files.resolve("vendor.crt"), vendor.certificatePem());
        Process trustAdd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                System.getProperty("appsign.jar", "../signing-cli/target/appsign.jar"), "trust", "add",
                "--trust-store", home.resolve("upmconfig/truststore").toString(), certificateFile.toString())
                .redirectErrorStream(true).start();
        String trustAddOutput = new String(trustAdd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(trustAdd.waitFor()).as(trustAddOutput).isZero();
        byte[] app = TestApps.bundle("com.acme.dashboard", "3.2.1", 50_000);
        Path appFile = Files.write(files.resolve("dashboard.jar"), app);
        Path sigFile = Files.write(files.resolve("dashboard.jar.sig"), vendor.signatureFile(app));
        Path tamperedFile = Files.write(files.resolve("tampered.jar"), TestApps.tampered(TestApps.bundle("com.acme.evil", "1.0.0", 10_000)));
        Path tamperedSig = Files.write(files.resolve("tampered.jar.sig"), vendor.signatureFile(TestApps.bundle("com.acme.evil", "1.0.0", 10_000)));

        browser.get(host.url("/"));
        visible("login-password");
        screenshot("01-sign-in");
        browser.findElement(By.id("login-password")).sendKeys("not the password");
        browser.findElement(By.id("login-submit")).click();
        assertThat(visible("login-error").getText()).contains("Wrong user or password");
        browser.findElement(By.id("login-password")).sendKeys(HostProcess.PASSWORD);
        browser.findElement(By.id("login-submit")).click();
        visible("apps-empty");
        assertThat(browser.findElement(By.id("mode-pill")).getText()).contains("WARN");

        // Upload a signed app: installed and verified, with its signer.
        browser.findElement(By.cssSelector("a[data-view=upload]")).click();
        visible("upload-app").sendKeys(appFile.toString());
        browser.findElement(By.id("upload-sig")).sendKeys(sigFile.toString());
        browser.findElement(By.id("upload-submit")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("result-title"), "Installed and verified"));
        assertThat(browser.findElement(By.id("result-signer")).getText()).contains("CN=Acme Vendor");
        assertThat(browser.findElement(By.id("upload-result")).getText()).as("no field of the result is missing")
                .contains("Installed 3.2.1: com.acme.dashboard is active.").doesNotContain("undefined").doesNotContain("null");
        screenshot("02-upload-verified");

        // Switch the mode to ENFORCE in Settings.
        browser.findElement(By.cssSelector("a[data-view=settings]")).click();
        new Select(visible("set-mode")).selectByVisibleText("ENFORCE");
        browser.findElement(By.id("settings-save")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("settings-message"), "Saved"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("mode-pill"), "ENFORCE"));
        // Relaxing is the operator's: the laxer modes are disabled and the page says which file to edit.
        visible("settings-lock");
        assertThat(new Select(browser.findElement(By.id("set-mode"))).getOptions())
                .filteredOn(option -> !option.isEnabled()).extracting(WebElement::getText).containsExactly("OFF", "WARN");
        assertThat(browser.findElement(By.id("settings-lock")).getText())
                .contains("Relaxing it is the operator's decision").contains(home.resolve("upmconfig/signing.properties").toString());
        assertThat(browser.findElement(By.id("settings-effective")).getText()).contains("In force now: uploads ENFORCE");
        screenshot("03-settings-enforce");

        // Upload a tampered app: rejected, with its reason code and what to do.
        browser.findElement(By.cssSelector("a[data-view=upload]")).click();
        visible("upload-app").sendKeys(tamperedFile.toString());
        browser.findElement(By.id("upload-sig")).sendKeys(tamperedSig.toString());
        browser.findElement(By.id("upload-submit")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("result-title"), "Rejected"));
        assertThat(browser.findElement(By.id("result-code")).getText()).isEqualTo("SIGNATURE_MISMATCH");
        assertThat(browser.findElement(By.id("upload-result")).getText()).contains("What to do").doesNotContain("undefined").doesNotContain("null");
        screenshot("04-upload-rejected");

        // An OBR archive with one dependency: signed as a whole, installed as one app.
        byte[] suite = TestApps.obr(io.appsigning.testsupport.TestBundles.bundle("com.acme.suite", "1.0.0", 0,
                java.util.Map.of("Import-Package", "com.acme.lib", "Bundle-Name", "Acme Suite")),
                io.appsigning.testsupport.TestBundles.bundle("com.acme.lib", "1.0.0", 0, java.util.Map.of("Export-Package", "com.acme.lib")));
        Path obrFile = Files.write(files.resolve("suite.obr"), suite);
        Path obrSig = Files.write(files.resolve("suite.obr.sig"), vendor.signatureFile(suite));
        browser.findElement(By.cssSelector("a[data-view=upload]")).click();
        visible("upload-app").sendKeys(obrFile.toString());
        browser.findElement(By.id("upload-sig")).sendKeys(obrSig.toString());
        browser.findElement(By.id("upload-submit")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("result-title"), "Installed and verified"));
        assertThat(browser.findElement(By.id("upload-result")).getText()).contains("Acme Suite is active");
        screenshot("04b-upload-obr");

        // The apps page shows the verified app with its badge, and not the rejected one.
        browser.findElement(By.cssSelector("a[data-view=apps]")).click();
        WebElement row = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr[data-key='com.acme.dashboard']")));
        assertThat(row.getText()).contains("3.2.1").contains("ACTIVE").contains("Verified").contains("CN=Acme Vendor");
        assertThat(browser.findElements(By.cssSelector("tr[data-key='com.acme.evil']"))).isEmpty();
        assertThat(browser.findElements(By.cssSelector("tr[data-key='com.acme.suite']"))).as("the OBR is one app").hasSize(1);
        assertThat(browser.findElements(By.cssSelector("tr[data-key='com.acme.lib']"))).as("its dependency is not an app").isEmpty();
        assertThat(browser.findElement(By.id("apps-folder")).getText()).contains("Trust store: " + home.resolve("upmconfig/truststore"));
        row.click();
        assertThat(visible("app-details").getText()).contains("App SHA-256").contains("Installed by\nadmin")
                .contains("Signer\nCN=Acme Vendor").doesNotContain("null");
        screenshot("05-apps");
        browser.findElement(By.id("apps-search")).sendKeys("no such app");
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#apps-body tr"), 0));
        browser.findElement(By.id("apps-search")).clear();
        browser.findElement(By.id("apps-search")).sendKeys("dashboard");
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#apps-body tr"), 1));

        // An update says what it replaced.
        byte[] next = TestApps.bundle("com.acme.dashboard", "3.3.0", 50_000);
        Path nextFile = Files.write(files.resolve("dashboard-3.3.0.jar"), next);
        Path nextSig = Files.write(files.resolve("dashboard-3.3.0.jar.sig"), vendor.signatureFile(next));
        browser.findElement(By.cssSelector("a[data-view=upload]")).click();
        visible("upload-app").sendKeys(nextFile.toString());
        browser.findElement(By.id("upload-sig")).sendKeys(nextSig.toString());
        browser.findElement(By.id("upload-submit")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("upload-result"), "Updated from 3.2.1 to 3.3.0"));
        assertThat(browser.findElement(By.id("upload-result")).getText()).doesNotContain("null");
        screenshot("05b-update");

        // Health shows the three checks.
        browser.findElement(By.cssSelector("a[data-view=health]")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-check=signing-status]")));
        assertThat(browser.findElements(By.cssSelector("[data-check]"))).hasSize(3);
        assertThat(browser.findElement(By.cssSelector("[data-check=certificate-expiry]")).getText()).contains("1 trusted certificates");
        assertThat(browser.findElement(By.id("audit-head")).getText()).containsPattern("Head: [0-9a-f]{64}")
                .contains("appsign audit-verify --log " + home.resolve("audit/audit.log") + " --head ");
        screenshot("06-health");

        // The trusted certificates, as the product sees them; the product never writes them.
        browser.findElement(By.cssSelector("a[data-view=certificates]")).click();
        WebElement vendorRow = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#cert-body tr")));
        assertThat(vendorRow.getText()).contains("CN=Acme Vendor").contains("Leaf, Ed25519").contains("valid").containsPattern("acme-vendor-[0-9a-f]{12}\\.pem");
        assertThat(browser.findElement(By.id("cert-location")).getText()).isEqualTo(home.resolve("upmconfig/truststore").toString());
        assertThat(browser.findElement(By.id("cert-safety")).getText()).isEqualTo(HostProcess.asProductUser() ? "Protected" : "Warning");
        assertThat(browser.findElement(By.id("trust-banner")).isDisplayed()).isFalse();
        screenshot("07-certificates");

        // A trust store anyone can write trusts nothing: a banner on every page says so.
        Path truststore = home.resolve("upmconfig/truststore");
        Files.setPosixFilePermissions(truststore, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        try {
            for (int i = 0; i < 50 && !browser.findElement(By.id("trust-banner")).isDisplayed(); i++) {
                Thread.sleep(200);
                browser.navigate().refresh();
                visible("cert-location");
            }
            assertThat(visible("trust-banner").getText()).contains("The product trusts nothing right now").contains(truststore.toString());
            browser.findElement(By.cssSelector("a[data-view=apps]")).click();
            assertThat(visible("trust-banner").isDisplayed()).as("on every page").isTrue();
            screenshot("08-banner-unsafe-trust-store");
        } finally {
            Files.setPosixFilePermissions(truststore, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        // Protected again: the banner goes at the next page once the trust store has followed (within seconds).
        for (int i = 0; i < 50 && browser.findElement(By.id("trust-banner")).isDisplayed(); i++) {
            Thread.sleep(200);
            browser.findElement(By.cssSelector("a[data-view=health]")).click();
            browser.findElement(By.cssSelector("a[data-view=apps]")).click();
        }
        assertThat(browser.findElement(By.id("trust-banner")).isDisplayed()).as("the banner ends with the unsafe state").isFalse();

        // The audit page: newest first, filtered by app.
        browser.findElement(By.cssSelector("a[data-view=audit]")).click();
        visible("audit-summary");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit-body"), "com.acme.dashboard"));
        browser.findElement(By.id("audit-app")).sendKeys("com.acme.evil\n");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit-summary"), "1 matching lines"));
        assertThat(browser.findElement(By.id("audit-body")).getText()).contains("REJECTED").contains("SIGNATURE_MISMATCH")
                .doesNotContain("com.acme.dashboard");
        screenshot("09-audit");

        // Every page at a phone's width (390 px): nothing wider than the screen but the tables' own scroll.
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        for (String view : java.util.List.of("apps", "upload", "certificates", "settings", "audit", "health")) {
            browser.findElement(By.cssSelector("a[data-view=" + view + "]")).click();
            visible("view-" + view);
            Thread.sleep(300);
            Number overflow = (Number) ((org.openqa.selenium.JavascriptExecutor) browser)
                    .executeScript("return document.documentElement.scrollWidth - window.innerWidth;");
            assertThat(overflow.intValue()).as(view + " at 390 px").isLessThanOrEqualTo(0);
            screenshot("390-" + view);
        }
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1366, 900));

        // Sign out: the session cookie no longer works, as the API itself answers to it.
        Cookie session = browser.manage().getCookieNamed("APPSIGN_SESSION");
        assertThat(session).as("the UI's session cookie").isNotNull();
        assertThat(getAppsWith(session).statusCode()).as("the cookie works while signed in").isEqualTo(200);
        browser.findElement(By.id("logout")).click();
        visible("login-password");
        HttpResponse<String> after = getAppsWith(session);
        assertThat(after.statusCode()).as(after.body()).isEqualTo(401);
    }

    /** GET /api/apps with only the session cookie, as a stolen cookie would be replayed. */
    private static HttpResponse<String> getAppsWith(Cookie session) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(host.url("/api/apps")))
                .header("Cookie", session.getName() + "=" + session.getValue()).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
