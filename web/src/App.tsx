import { lazy, Suspense, useEffect, useState } from 'react';
import { currentSession, endSession, onSessionChange, type Session } from './api/session';
import { Shell } from './components/Shell';
import { Loading } from './components/Feedback';
import { useRoute } from './lib/router';
import { SignIn } from './pages/SignIn';
import { Worklist } from './pages/Worklist';
import { Trials } from './pages/Trials';
import { NotFound } from './pages/NotFound';

// The patient page carries the form generator and the trial page the charts: loaded when first opened.
const PatientPage = lazy(() => import('./pages/Patient'));
const TrialPage = lazy(() => import('./pages/Trial'));
const AmendmentsPage = lazy(() => import('./pages/Amendments'));
const ManufacturingPage = lazy(() => import('./pages/Manufacturing'));
const QueriesPage = lazy(() => import('./pages/Queries'));
const ReachPage = lazy(() => import('./pages/Reach'));
const RegisterPage = lazy(() => import('./pages/Register'));
const AdminPage = lazy(() => import('./pages/Admin'));

export function App() {
  const [session, setSession] = useState<Session | null>(() => currentSession());
  const route = useRoute();
  useEffect(() => onSessionChange(setSession), []);

  if (!session) return <SignIn opensOnWorklist={route.page === 'worklist'} />;
  return (
    <Shell user={session.user} route={route} onSignOut={() => endSession()}>
      <Suspense fallback={<Loading />}>
        {route.page === 'worklist' && <Worklist />}
        {route.page === 'patient' && <PatientPage key={route.id} patientId={route.id} user={session.user} />}
        {route.page === 'trials' && <Trials />}
        {route.page === 'trial' && <TrialPage key={`${route.protocolId}@${route.version ?? ''}`} protocolId={route.protocolId} version={route.version} user={session.user} />}
        {route.page === 'amendments' && <AmendmentsPage key={route.protocolId} protocolId={route.protocolId} version={route.version} user={session.user} />}
        {route.page === 'manufacturing' && <ManufacturingPage user={session.user} />}
        {route.page === 'reach' && <ReachPage />}
        {route.page === 'queries' && <QueriesPage key={route.status ?? ''} status={route.status} />}
        {route.page === 'register' && <RegisterPage user={session.user} />}
        {route.page === 'admin' && <AdminPage user={session.user} />}
        {route.page === 'not-found' && <NotFound path={route.path} />}
      </Suspense>
    </Shell>
  );
}
