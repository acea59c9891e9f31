import { WebhookDestinations } from './webhook-destination';

describe('webhook destinations', () => {
  const strict = new WebhookDestinations({ allowHttp: false, allowedNetworks: [] });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', /must be https:\/\//],
    ['https://169.254.169.254/latest/meta-data/', /169\.254\.169\.254, a link-local/],
    ['https://127.0.0.1/hook', /loopback/],
    ['https://127.1.2.3/hook', /loopback/],
    ['https://0x7f.1/hook', /127\.0\.0\.1, a loopback/],
    ['https://2130706433/hook', /127\.0\.0\.1, a loopback/],
    ['https://0.0.0.0/hook', /"this network"/],
    ['https://10.1.2.3/hook', /private/],
    ['https://172.31.255.255/hook', /private/],
    ['https://192.168.0.10/hook', /private/],
    ['https://100.64.0.1/hook', /shared address space/],
    ['https://[::1]/hook', /::1, a loopback/],
    ['https://[::]/hook', /unspecified/],
    ['https://[fd12:3456::1]/hook', /unique-local/],
    ['https://[fe80::1]/hook', /link-local/],
    ['https://[::ffff:169.254.169.254]/hook', /link-local/],
    ['https://[::ffff:127.0.0.1]/hook', /loopback/],
    ['https://[64:ff9b::a9fe:a9fe]/hook', /translation/],
    ['https://[ff02::1]/hook', /multicast/],
    ['https://224.0.0.1/hook', /multicast/],
    ['https://255.255.255.255/hook', /reserved/],
    ['https://user:secret@hooks.example.org/hook', /user name or password/],
    ['ftp://hooks.example.org/hook', /must be https/],
  ])('refuses %s', (url, problem) => {
    expect(strict.urlProblem(url)).toMatch(problem);
  });

  it.each([
    'https://8.8.8.8/hook',
    'https://[2606:4700:4700::1111]/hook',
    'https://[::ffff:8.8.8.8]/hook',
    'https://hooks.example.org/hook',
    'https://172.32.0.1/x',
    'https://100.128.0.1/x',
  ])('accepts %s (a public address, or a name checked once resolved)', (url) => {
    expect(strict.urlProblem(url)).toBeUndefined();
  });

  it('lets WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOWED_NETWORKS open exactly what they name', () => {
    const local = new WebhookDestinations({ allowHttp: true, allowedNetworks: ['127.0.0.1', '10.1.0.0/16'] });
    expect(local.urlProblem('http://127.0.0.1:8080/hook')).toBeUndefined();
    expect(local.urlProblem('http://[::ffff:127.0.0.1]:8080/hook')).toBeUndefined();
    expect(local.urlProblem('http://10.1.200.3/hook')).toBeUndefined();
    expect(local.urlProblem('http://127.0.0.2/hook')).toMatch(/loopback/);
    expect(local.urlProblem('http://10.2.0.1/hook')).toMatch(/private/);
    expect(local.urlProblem('http://169.254.169.254/')).toMatch(/link-local/);
  });

  it('refuses a name that resolves to a refused address, at registration and in the lookup a delivery connects through', async () => {
    expect(await strict.problems('https://localhost/hook')).toEqual([expect.stringMatching(/loopback/)]);
    expect(await strict.problems('https://name.invalid/hook')).toEqual([expect.stringMatching(/does not resolve/)]);
    const looked = await new Promise<NodeJS.ErrnoException | null>((resolve) => strict.lookup('localhost', { all: true }, (error) => resolve(error)));
    expect(looked).toMatchObject({ code: 'EWEBHOOKADDRESS', message: expect.stringMatching(/loopback/) });
    const local = new WebhookDestinations({ allowHttp: true, allowedNetworks: ['127.0.0.0/8', '::1'] });
    const found = await new Promise<unknown>((resolve, reject) => local.lookup('localhost', {}, (error, address) => (error ? reject(error) : resolve(address))));
    expect(['127.0.0.1', '::1']).toContain(found);
  });
});
