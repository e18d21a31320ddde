import groovy.json.JsonSlurper

def sig = new File(basedir, 'target/hello-marketplace-1.0.0.jar.sig')
assert sig.isFile() : 'the jar was not signed'
def json = new JsonSlurper().parse(sig)
assert json.signature.length() == 88
// The marketplace form: base64 of the PEM leaf certificate.
assert json.certificate.startsWith('LS0t')
def pem = new String(json.certificate.decodeBase64(), 'US-ASCII')
assert pem.startsWith('-----BEGIN CERTIFICATE-----')
def log = new File(basedir, 'build.log').text
assert log.contains('appsign: signed hello-marketplace-1.0.0.jar -> hello-marketplace-1.0.0.jar.sig (marketplace form, CN=Acme Apps,O=Acme)')
// The key never appears in the log.
assert !log.contains('PRIVATE KEY')
return true
