import groovy.json.JsonSlurper

def jar = new File(basedir, 'target/hello-bundle-1.0.0.jar')
def sig = new File(basedir, 'target/hello-bundle-1.0.0.jar.sig')
def obrSig = new File(basedir, 'hello.obr.sig')
assert jar.isFile()
assert sig.isFile() : 'the jar was not signed'
assert obrSig.isFile() : 'the attached .obr was not signed'

def json = new JsonSlurper().parse(sig)
assert json.signature.length() == 88
assert json.keySha256 ==~ /[0-9a-f]{64}/
assert json.certificate == null : 'the custom form carries no certificate'

def log = new File(basedir, 'build.log').text
assert log.contains('appsign: signed hello-bundle-1.0.0.jar -> hello-bundle-1.0.0.jar.sig')
assert log.contains('appsign: hello-bundle-1.0.0.jar VERIFIED (CUSTOM, signer CN=Acme Apps,O=Acme')
assert log.contains('appsign: hello.obr VERIFIED')

// install carried the signature files into the (test) local repository, beside the artifacts.
def installed = new File(localRepositoryPath, 'com/acme/it/hello-bundle/1.0.0')
assert new File(installed, 'hello-bundle-1.0.0.jar.sig').bytes == sig.bytes
assert new File(installed, 'hello-bundle-1.0.0.obr.sig').bytes == obrSig.bytes
return true
